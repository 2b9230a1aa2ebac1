import Foundation
import Segmentation

/// Everything a store holds of one sweep, as plain values, for copying it to another store.
///
/// The sweep, its jobs with all their steps and evaluations, and an adaptive sweep's rounds
/// (`auxsweep db copy`).
public struct SweepArchive: Sendable, Equatable {
    /// One job with its steps and evaluations (`job.id` is the source store's).
    public struct Job: Sendable, Equatable {
        public var job: JobRecord
        public var steps: [StepRecord]
        public var evaluations: [EvaluationRecord]
    }

    public var sweep: SweepRecord
    public var jobs: [Job]
    /// An adaptive sweep's plan and rounds (nil for a fixed sweep).
    public var adaptive: AdaptiveState?

    /// Step rows over all jobs.
    public var stepCount: Int { jobs.reduce(0) { $0 + $1.steps.count } }
    /// Evaluation rows over all jobs.
    public var evaluationCount: Int { jobs.reduce(0) { $0 + $1.evaluations.count } }

    /// The archive as another store takes it in: a job that was running is interrupted there (its
    /// worker goes on writing to the source), and no job keeps a checkpoint iteration unless it is
    /// done (checkpoint files belong to the store that wrote them, so an unfinished job starts over).
    var forRestore: SweepArchive {
        var copy = self
        for index in copy.jobs.indices {
            if copy.jobs[index].job.status == .running { copy.jobs[index].job.status = .interrupted }
            if copy.jobs[index].job.status != .done { copy.jobs[index].job.checkpointIteration = 0 }
        }
        return copy
    }
}

extension ResultsStore {
    /// The sweep named `name` with every job and row; throws `StoreError.unknownSweep` when there is none.
    public func archive(sweep name: String) throws -> SweepArchive {
        guard let sweep = try self.sweep(named: name) else { throw StoreError.unknownSweep(name) }
        // The rounds before the jobs: a round decided in between adds jobs the copied rounds do not
        // show yet, which the copy runs and then decides the same way (never a round without its jobs).
        let adaptive = try adaptiveState(sweep: name)
        let data = try reportData(sweep: name)
        let jobs = try data.jobs.map { job -> SweepArchive.Job in
            let id = job.claim.job
            return SweepArchive.Job(job: job, steps: try steps(job: id), evaluations: data.evaluations[id] ?? [])
        }
        return SweepArchive(sweep: sweep, jobs: jobs, adaptive: adaptive)
    }
}
