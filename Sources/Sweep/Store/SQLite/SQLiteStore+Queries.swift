import Foundation
import GRDB
import Segmentation

extension SQLiteStore {
    /// Every sweep, oldest first.
    public func sweeps() throws -> [SweepRecord] {
        try read { db in try SweepRecord.order(Column("created"), Column("name")).fetchAll(db) }
    }

    /// Jobs matching `filter` with their last evaluation, by sweep, weight and seed.
    public func jobSummaries(_ filter: JobFilter) throws -> [JobSummary] {
        try read { db in
            var request = JobRecord.all()
            if let sweep = filter.sweep { request = request.filter(Column("sweep") == sweep) }
            if let w = filter.auxWeight { request = request.filter(abs(Column("aux_weight") - w) < 1e-9) }
            if let seed = filter.seed { request = request.filter(Column("seed") == seed) }
            if let status = filter.status { request = request.filter(Column("status") == status.rawValue) }
            let jobs = try request.order(Column("sweep"), Column("aux_weight"), Column("seed")).fetchAll(db)
            return try jobs.map { job in
                let last = try EvaluationRow.filter(Column("job") == job.id).order(Column("iteration").desc).fetchOne(db)
                let steps = try StepRow.filter(Column("job") == job.id).fetchCount(db)
                return JobSummary(job: job, iteration: last?.iteration, miou: last?.miou, pixelAccuracy: last?.pixelAcc,
                                  steps: steps)
            }
        }
    }

    /// All steps of one job, by iteration.
    public func steps(job id: Int64) throws -> [StepRecord] {
        try read { db in try StepRow.filter(Column("job") == id).order(Column("iteration")).fetchAll(db) }.map(\.record)
    }

    /// All evaluations of one job, by iteration.
    public func evaluations(job id: Int64) throws -> [EvaluationRecord] {
        try read { db in try EvaluationRow.filter(Column("job") == id).order(Column("iteration")).fetchAll(db) }
            .map { try $0.record(location: location) }
    }
}

extension SQLiteStore {
    /// A sweep's jobs and every evaluation by job id: what the ablation report is computed from.
    public func reportData(sweep: String) throws -> (jobs: [JobRecord], evaluations: [Int64: [EvaluationRecord]]) {
        let (jobs, rows) = try read { db in
            let jobs = try JobRecord.filter(Column("sweep") == sweep).order(Column("aux_weight"), Column("seed")).fetchAll(db)
            let evals = try EvaluationRow.filter(jobs.compactMap(\.id).contains(Column("job"))).order(Column("iteration")).fetchAll(db)
            return (jobs, Dictionary(grouping: evals, by: \.job))
        }
        return (jobs, try rows.records(location: location))
    }
}
