import Foundation
import Segmentation

/// Where sweeps, jobs, steps and evaluations live: the one interface the runner, reports, `status` and
/// `query` see.
///
/// Implementations: `SQLiteStore` (one file, GRDB; the embedded default). Every implementation passes
/// the same conformance suite (`StoreConformanceTests`). The values it hands out are plain structs
/// (`SweepRecord`, `JobRecord`, `StepRow`, `EvalRow`), never database rows.
public protocol ResultsStore: AnyObject, Sendable {
    /// The store's identity: a UUID made when it was created (a job's checkpoint records it).
    var id: String { get }
    /// Where the store is, for messages.
    var location: String { get }

    /// Records the sweep and its jobs; registering the same spec again changes nothing. A different
    /// spec under the same name is refused (`StoreError.specChanged`).
    func register(_ spec: SweepSpec, text: String) throws
    /// Claims the next job of `sweep` that needs running (pending, interrupted, or running but stale)
    /// for `worker`, in one transaction; nil when none is left to claim.
    func claim(sweep: String, worker: JobWorker) throws -> JobRecord?
    /// Writes a job's steps and evaluations with a heartbeat in one transaction, and ends the job
    /// there when `progress.status` is set.
    func record(job id: Int64, _ progress: JobProgress) throws
    /// Sets a job back to `iteration` (0: from scratch): removes its step rows from that iteration on
    /// and its evaluations after it, and records `iteration` as its checkpoint's.
    func rewind(job id: Int64, to iteration: Int) throws
    /// The number of a job's step rows before `iteration`.
    func stepCount(job id: Int64, before iteration: Int) throws -> Int

    /// Every sweep, oldest first.
    func sweeps() throws -> [SweepRecord]
    /// Jobs matching `filter` with their last evaluation, by sweep, weight and seed.
    func jobSummaries(_ filter: JobFilter) throws -> [JobSummary]
    /// All step rows of one job, by iteration.
    func steps(job id: Int64) throws -> [StepRow]
    /// All evaluation rows of one job, by iteration.
    func evaluations(job id: Int64) throws -> [EvalRow]
    /// A sweep's jobs (by weight and seed) and every evaluation by job id, read in one snapshot.
    func reportData(sweep: String) throws -> (jobs: [JobRecord], evaluations: [Int64: [EvalRow]])
}

/// Who is running a job.
public struct JobWorker: Sendable {
    public let name: String
    public let host: String
    public let pid: Int32

    public init(name: String, host: String = ProcessInfo.processInfo.hostName, pid: Int32 = getpid()) {
        self.name = name
        self.host = host
        self.pid = pid
    }
}

/// What one write of a job's progress carries: new rows, and optionally the job's end and its
/// checkpoint's iteration.
public struct JobProgress: Sendable, Equatable {
    public var steps: [StepRecord]
    public var evaluations: [EvaluationRecord]
    /// done, failed or interrupted: the job ends in the same transaction.
    public var status: JobStatus?
    public var error: String?
    public var checkpointIteration: Int?

    public init(steps: [StepRecord] = [], evaluations: [EvaluationRecord] = [], status: JobStatus? = nil,
                error: String? = nil, checkpointIteration: Int? = nil) {
        self.steps = steps
        self.evaluations = evaluations
        self.status = status
        self.error = error
        self.checkpointIteration = checkpointIteration
    }
}

/// A job with its last evaluation, as `status`, `query` and `report` show it.
public struct JobSummary: Sendable, Equatable {
    public let job: JobRecord
    /// The iteration, mIoU and pixel accuracy of the job's last evaluation (nil before any).
    public let iteration: Int?
    public let miou: Double?
    public let pixelAccuracy: Double?
    /// Steps recorded so far.
    public let steps: Int
}

/// Filters for job queries; nil matches everything.
public struct JobFilter: Sendable {
    public var sweep: String?
    public var auxWeight: Double?
    public var seed: Int64?
    public var status: JobStatus?

    public init(sweep: String? = nil, auxWeight: Double? = nil, seed: Int64? = nil, status: JobStatus? = nil) {
        self.sweep = sweep
        self.auxWeight = auxWeight
        self.seed = seed
        self.status = status
    }
}

extension ResultsStore {
    /// Writes a job's steps and evaluations (and optionally its end and checkpoint iteration).
    public func record(job id: Int64, steps: [StepRecord], evaluations: [EvaluationRecord], status: JobStatus? = nil,
                       error: String? = nil, checkpointIteration: Int? = nil) throws {
        try record(job: id, JobProgress(steps: steps, evaluations: evaluations, status: status, error: error,
                                        checkpointIteration: checkpointIteration))
    }

    /// Every job with its last evaluation.
    public func jobSummaries() throws -> [JobSummary] { try jobSummaries(JobFilter()) }

    /// The ablation report of `sweep`; throws when the sweep has no jobs.
    public func ablationReport(sweep: String, point: AblationReport.Point = .final) throws -> AblationReport {
        let data = try reportData(sweep: sweep)
        guard !data.jobs.isEmpty else { throw StoreError.unknownSweep(sweep) }
        return AblationReport(sweep: sweep, jobs: data.jobs, evaluations: data.evaluations, point: point)
    }

    /// Steps and evaluations of every job of `sweep` that has any: the training curves.
    public func trainingCurves(sweep: String) throws -> TrainingCurves {
        let data = try reportData(sweep: sweep)
        guard !data.jobs.isEmpty else { throw StoreError.unknownSweep(sweep) }
        let jobs = try data.jobs.compactMap { job -> (auxWeight: Double, steps: [StepRow], evals: [EvalRow])? in
            guard let id = job.id else { return nil }
            return (job.auxWeight, try steps(job: id), data.evaluations[id] ?? [])
        }
        return TrainingCurves(sweep: sweep, jobs: jobs)
    }
}

/// Store problems a user can act on.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case specChanged(String)
    case missingDatabase(String)
    case unknownSweep(String)
    case missingStoreID(String)

    public var description: String {
        switch self {
        case .specChanged(let name):
            "sweep '\(name)' is already in the database with a different spec; give the changed file a new name "
                + "(e.g. '\(name)-v2') so its results are not mixed with the old ones"
        case .missingDatabase(let path): "\(path): database: does not exist (run 'auxsweep run' first)"
        case .unknownSweep(let name): "no sweep named '\(name)' in the database"
        case .missingStoreID(let path): "\(path): store: the table of the database's id is empty (edited by hand?)"
        }
    }
}
