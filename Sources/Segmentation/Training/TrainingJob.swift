import NN

/// One training job as a sweep runner drives it: steps, evaluations and a resumable checkpoint.
///
/// `Trainer` is the implementation; the protocol is the seam through which a runner can be given
/// another (tests make a job fail at a chosen step without depending on any numerics).
public protocol TrainingJob: AnyObject {
    /// The next iteration to run (0-based); equals the number of steps done.
    var iteration: Int { get }
    /// Whether every iteration has run.
    var isFinished: Bool { get }
    /// Whether the schedule evaluates after the steps done so far.
    var evaluationDue: Bool { get }
    /// Runs one step; throws `TrainingError` when the job cannot go on.
    func step() throws -> StepRecord
    /// Evaluates on the validation split.
    func evaluate() -> EvaluationRecord
    /// Writes the whole training state to `path` (atomically), with `metadata` added to the file's.
    func saveCheckpoint(to path: String, metadata: [String: String]) throws
    /// Restores the training state from a file read from `path`; throws when it does not fit the job.
    func restoreCheckpoint(from file: SafeTensors.File, path: String) throws
}

extension Trainer: TrainingJob {}
