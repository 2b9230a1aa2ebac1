/// The version of the numeric core's results.
///
/// Two runs with the same core version compute the same bits from the same inputs. It names the
/// order of float operations of this build's kernels and the instruction set oneDNN dispatches to
/// here (its kernels differ per ISA). A sweep's resumable checkpoint records it, and a job resumes
/// only from a checkpoint of its own core version: steps computed by another build or on another
/// kind of CPU would not continue the recorded rows bit for bit.
public enum CoreVersion {
    /// The order of float operations of this build's own kernels, bumped whenever a change reorders
    /// them. 1: the core of the first checkpoints (no version recorded); 2: batch-norm sums flushed
    /// into double every 256 values; 3: the backbone in the block width oneDNN picks (nChw8c on AVX2).
    public static let kernels = 3

    /// This build's kernels on this CPU, e.g. "3/avx2".
    public static var current: String { "\(kernels)/\(ConvolutionLayoutProbe.isa)" }
}
