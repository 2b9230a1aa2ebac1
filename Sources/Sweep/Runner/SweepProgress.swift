/// What a running sweep reports as it goes, for a progress display.
public enum SweepProgress: Sendable {
    /// A worker claimed a job (attempt > 1: a retry or a resume; `fromIteration` > 0: from a checkpoint).
    case started(worker: Int, job: JobKey, attempt: Int, fromIteration: Int)
    /// A worker finished a step.
    case step(worker: Int, job: JobKey, iteration: Int, of: Int, loss: Float)
    /// A job ended: done (with its final mIoU), failed (with the reason) or interrupted.
    case finished(worker: Int, job: JobKey, status: JobStatus, miou: Double?, error: String?)
    /// A job's checkpoint file was not the job's own (`reason`); the job starts from iteration 0.
    ///
    /// The file was moved to `movedTo` (nil: it could not be moved).
    case checkpointSetAside(worker: Int, job: JobKey, path: String, movedTo: String?, reason: String)
    /// The job's row records a checkpoint at `iteration` but no file is at `path`; it starts from 0.
    case checkpointMissing(worker: Int, job: JobKey, path: String, iteration: Int)
    /// Another worker claimed the job (this worker's heartbeat was stale, e.g. the machine paused);
    /// this worker stopped it without writing and claims another.
    case claimLost(worker: Int, job: JobKey, claim: JobClaim)
    /// An adaptive sweep's round was decided (by this worker): the next planned with `newJobs` jobs, or
    /// (none) the sweep stopped.
    case roundDecided(SweepRound, newJobs: Int)
}

/// A job's identity within its sweep.
public struct JobKey: Sendable, Equatable, Hashable {
    public let auxWeight: Double
    public let seed: Int64

    public init(auxWeight: Double, seed: Int64) {
        self.auxWeight = auxWeight
        self.seed = seed
    }
}
