import Foundation
import Segmentation

/// Where sweeps, jobs, steps and evaluations live: the one interface the runner, reports, `status` and
/// `query` see.
///
/// Implementations: `SQLiteStore` (one file, GRDB; the embedded default) and `PostgresStore` (one
/// database shared by workers on many machines, PostgresNIO). Every implementation passes
/// the same conformance suite (`StoreConformanceTests`). The values it hands out are plain structs
/// (`SweepRecord`, `JobRecord`, `StepRecord`, `EvaluationRecord`), never database rows.
public protocol ResultsStore: AnyObject, Sendable {
    /// The store's identity: a UUID made when it was created (a job's checkpoint records it).
    var id: String { get }
    /// Where the store is, for messages.
    var location: String { get }

    /// Records the sweep and its jobs; registering the same spec again changes nothing. A different
    /// spec under the same name is refused (`StoreError.specChanged`).
    func register(_ spec: SweepSpec, text: String) throws
    /// Claims the next job of `sweep` that needs running (pending, interrupted, or running but stale:
    /// its heartbeat older than the grace its claimer promised) for `worker`, in one transaction that
    /// can never hand a job to two workers; the returned record's `claim` fences every later write.
    /// Nil when none is left to claim.
    func claim(sweep: String, worker: JobWorker) throws -> JobRecord?
    /// Stamps the claimed job's heartbeat with the store's clock (`StoreError.claimLost` when the
    /// claim is no longer the job's).
    func heartbeat(_ claim: JobClaim) throws
    /// Writes a job's steps and evaluations with a heartbeat in one transaction, and ends the job
    /// there when `progress.status` is set. Throws `StoreError.claimLost`, having written nothing,
    /// when the claim is no longer the job's.
    func record(_ claim: JobClaim, _ progress: JobProgress) throws
    /// Sets a claimed job back to `iteration` (0: from scratch): removes its step rows from that
    /// iteration on and its evaluations after it, and records `iteration` as its checkpoint's
    /// (`StoreError.claimLost` as `record`).
    func rewind(_ claim: JobClaim, to iteration: Int) throws
    /// The number of a job's step rows before `iteration`.
    func stepCount(job id: Int64, before iteration: Int) throws -> Int

    /// Every sweep, oldest first.
    func sweeps() throws -> [SweepRecord]
    /// Jobs matching `filter` with their last evaluation, by sweep, weight and seed.
    func jobSummaries(_ filter: JobFilter) throws -> [JobSummary]
    /// All steps of one job, by iteration.
    func steps(job id: Int64) throws -> [StepRecord]
    /// All evaluations of one job, by iteration.
    func evaluations(job id: Int64) throws -> [EvaluationRecord]
    /// A sweep's jobs (by weight and seed) and every evaluation by job id, read in one snapshot.
    func reportData(sweep: String) throws -> (jobs: [JobRecord], evaluations: [Int64: [EvaluationRecord]])

    /// An adaptive sweep's plan and rounds (nil for a fixed sweep or an unknown one).
    func adaptiveState(sweep: String) throws -> AdaptiveState?
    /// What a worker that found nothing to claim does next, in one transaction that every process
    /// takes in turn: for a fixed or stopped sweep `.finished`; while jobs of the current round have
    /// not ended `.waiting`; else it decides the round (`RoundDecider`), records the decision and,
    /// unless it stops the sweep, the next round and its jobs (`.planned`; `.stopped` when it stops). So any number of `run` and
    /// `work` processes agree on every round, and a resumed sweep decides as an uninterrupted one.
    func advanceRounds(sweep: String) throws -> RoundAdvance

    /// Writes a sweep read from another store (`archive(sweep:)`), jobs under new ids, in one
    /// transaction; a sweep of that name already here is refused (`StoreError.sweepExists`) and
    /// nothing is written. Running jobs arrive interrupted, unfinished ones without a checkpoint.
    func restore(_ archive: SweepArchive) throws
}

/// Who is running a job, and the grace period it promises to beat within.
public struct JobWorker: Sendable {
    /// The grace period unless one is given: a running job whose heartbeat is older is taken over.
    public static let defaultGrace: TimeInterval = 60

    public let name: String
    /// The machine: its host name and boot id, so two machines that share a host name (cluster nodes
    /// cloned from one image) are never taken for one when a store checks whether a process lives.
    public let host: String
    public let pid: Int32
    /// Seconds: the worker beats at least four times within it (`heartbeatInterval(grace:)`).
    public let grace: TimeInterval

    public init(name: String, host: String = JobWorker.thisMachine, pid: Int32 = getpid(), grace: TimeInterval = JobWorker.defaultGrace) {
        precondition(grace > 0, "a grace period is positive, got \(grace)")
        self.name = name
        self.host = host
        self.pid = pid
        self.grace = grace
    }

    /// How often a worker promising `grace` beats: every quarter of it, and at least every 10 s.
    public static func heartbeatInterval(grace: TimeInterval) -> TimeInterval { min(grace / 4, 10) }

    /// This machine as `host` records it: `<host name>/<first 8 characters of the boot id>`.
    public static let thisMachine: String = {
        let boot = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines).prefix(8)
        return ProcessInfo.processInfo.hostName + (boot.map { "/\($0)" } ?? "")
    }()
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
    /// Writes a claimed job's steps and evaluations (and optionally its end and checkpoint iteration).
    public func record(_ claim: JobClaim, steps: [StepRecord], evaluations: [EvaluationRecord], status: JobStatus? = nil,
                       error: String? = nil, checkpointIteration: Int? = nil) throws {
        try record(claim, JobProgress(steps: steps, evaluations: evaluations, status: status, error: error,
                                        checkpointIteration: checkpointIteration))
    }

    /// Every job with its last evaluation.
    public func jobSummaries() throws -> [JobSummary] { try jobSummaries(JobFilter()) }

    /// The sweep named `name`, if the store has it.
    public func sweep(named name: String) throws -> SweepRecord? { try sweeps().first { $0.name == name } }

    /// The ablation report of `sweep`; throws when the sweep has no jobs.
    public func ablationReport(sweep: String, point: AblationReport.Point = .final) throws -> AblationReport {
        // The rounds first: a round decided between the two reads adds jobs the rounds do not show
        // yet (harmless), never rounds whose jobs are missing.
        let adaptive = try adaptiveState(sweep: sweep)
        let data = try reportData(sweep: sweep)
        guard !data.jobs.isEmpty else { throw StoreError.unknownSweep(sweep) }
        return AblationReport(sweep: sweep, jobs: data.jobs, evaluations: data.evaluations, adaptive: adaptive, point: point)
    }

    /// Steps and evaluations of every job of `sweep` that has any: the training curves.
    public func trainingCurves(sweep: String) throws -> TrainingCurves {
        let data = try reportData(sweep: sweep)
        guard !data.jobs.isEmpty else { throw StoreError.unknownSweep(sweep) }
        let jobs = try data.jobs.compactMap { job -> (auxWeight: Double, steps: [StepRecord], evals: [EvaluationRecord])? in
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
    /// A command that defaults to the newest sweep found none (at the location given).
    case noSweeps(String)
    case missingStoreID(String)
    /// The job was claimed again by another worker (its heartbeat went stale) or has ended: the
    /// worker holding `claim` must stop it without writing.
    case claimLost(JobClaim)
    case sweepExists(name: String, location: String)
    /// A round's stored JSON does not read (edited by hand, or written by a newer auxsweep).
    case corruptRound(location: String, problem: String)
    /// An evaluation's per-class IoU does not read (edited by hand).
    case corruptEvaluation(location: String, job: Int64, iteration: Int, text: String)
    /// A store opened read-only lacks migrations this auxsweep knows (written by an older one).
    case outdatedSchema(String)
    /// `--db` names a file that is not an SQLite database.
    case notADatabase(String)

    public var description: String {
        switch self {
        case .specChanged(let name):
            "sweep '\(name)' is already in the database with a different spec (or its data folder's files changed); "
                + "give the changed file a new name (e.g. '\(name)-v2') so its results are not mixed with the old ones"
        case .missingDatabase(let path): "\(path): database: does not exist (run 'auxsweep run' first)"
        case .unknownSweep(let name): "no sweep named '\(name)' in the database"
        case .noSweeps(let location): "\(location): database: holds no sweeps yet (run 'auxsweep run FILE' first)"
        case .missingStoreID(let path): "\(path): store: the table of the database's id is empty (edited by hand?)"
        case .sweepExists(let name, let location):
            "\(location): sweep '\(name)' is already there; nothing was copied (copy it to another store, or rename it)"
        case .corruptRound(let location, let problem): "\(location): rounds: a stored round does not read (\(problem))"
        case .corruptEvaluation(let location, let job, let iteration, let text):
            "\(location): evals: job \(job), iteration \(iteration): class_iou is not a JSON array of numbers (\(text.prefix(40)))"
        case .notADatabase(let path): "\(path): database: not an SQLite database (another file given to --db?)"
        case .outdatedSchema(let location):
            "\(location): database: written by an older auxsweep; open it once to write (e.g. 'auxsweep status') to bring it up to date"
        case .claimLost(let claim): "\(claim): another worker has claimed it since, or it has ended; this worker stopped it"
        }
    }
}
