/// The version of the numeric core's results.
///
/// Two builds with the same core version compute the same bits from the same inputs; a change that
/// reorders float operations (a kernel, a summation, a fused pass) bumps it. A sweep's resumable
/// checkpoint records it, and a job resumes only from a checkpoint of its own core version: steps
/// computed by another core would not continue the recorded rows bit for bit.
public enum CoreVersion {
    /// Bumped with every change to the order of float operations. 1: the core of the first
    /// checkpoints (no version recorded); 2: batch-norm sums flushed into double every 256 values.
    public static let current = "2"
}
