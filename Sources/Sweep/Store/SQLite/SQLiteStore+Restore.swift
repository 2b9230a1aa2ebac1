import Foundation
import GRDB
import Segmentation

extension SQLiteStore {
    public func restore(_ archive: SweepArchive) throws {
        let archive = archive.forRestore
        try write { db in
            guard try SweepRecord.fetchOne(db, key: archive.sweep.name) == nil else {
                throw StoreError.sweepExists(name: archive.sweep.name, location: location)
            }
            try archive.sweep.insert(db)
            if let adaptive = archive.adaptive { try Self.write(adaptive, sweep: archive.sweep.name, db) }
            for entry in archive.jobs {
                var job = entry.job
                job.id = nil
                try job.insert(db)
                guard let id = job.id else { preconditionFailure("an inserted job has an id") }
                for step in entry.steps { try StepRow(job: id, step).insert(db) }
                for evaluation in entry.evaluations { try EvaluationRow(job: id, evaluation).insert(db) }
            }
        }
    }
}
