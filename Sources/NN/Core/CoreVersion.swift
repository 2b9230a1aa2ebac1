import CDNNL

/// The version of the numeric core's results.
///
/// Two runs with the same core version compute the same bits from the same inputs. It names the
/// order of float operations of this build's kernels, the instruction set oneDNN dispatches to here
/// and oneDNN's own version (its kernels differ per ISA and per release). A sweep's resumable
/// checkpoint records it, and a job resumes only from a checkpoint of its own core version: steps
/// computed by another build, library or kind of CPU would not continue the recorded rows bit for bit.
public enum CoreVersion {
    /// The order of float operations of this build's own kernels.
    ///
    /// Bumped whenever a change reorders them. 1: the core of the first checkpoints (no version
    /// recorded); 2: batch-norm sums flushed into double every 256 values; 3: the backbone in the
    /// block width oneDNN picks (nChw8c on AVX2); 4: dilated backward-weights on the space-to-batch form
    /// where oneDNN has no JIT kernel for it (AVX2).
    public static let kernels = 4

    /// This build's kernels on this CPU and oneDNN, e.g. "4/avx2/onednn-2.6.3".
    public static var current: String {
        let library = dnnl_version().map { "\($0.pointee.major).\($0.pointee.minor).\($0.pointee.patch)" } ?? "?"
        return "\(kernels)/\(ConvolutionLayoutProbe.isa)/onednn-\(library)"
    }
}
