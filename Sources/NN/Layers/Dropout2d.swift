/// Channel dropout (PyTorch's `nn.Dropout2d`): in training each (image, channel) plane is zeroed with
/// probability p and the rest are scaled by 1/(1-p); in evaluation it is the identity.
///
/// The layer draws its masks from its own seeded generator, so a job's dropout is reproducible.
public final class Dropout2d: Layer {
    public let probability: Float
    public var isTraining = true
    /// The mask generator; its state is part of a resumable checkpoint.
    public var generator: SeededGenerator
    /// The per-(n, c) scale of the last training forward (0 or 1/(1-p)); empty after an identity pass.
    public private(set) var mask: [Float] = []

    public init(probability: Float, generator: SeededGenerator) {
        precondition(probability >= 0 && probability < 1, "Dropout2d probability must be in [0, 1), got \(probability)")
        self.probability = probability
        self.generator = generator
    }

    /// x: [N, C, H, W] -> y: [N, C, H, W]
    public func forward(_ x: Tensor) -> Tensor {
        let span = KernelProfiler.begin(.dropoutForward); defer { span.end() }
        guard isTraining && probability > 0 else { mask = []; return x }
        let (n, c, h, w) = x.nchw
        precondition(x.layout == .nchw, "Dropout2d takes NCHW tensors")
        let keep = 1 / (1 - probability)
        mask = (0..<(n * c)).map { _ in generator.nextUnitFloat() < probability ? 0 : keep }
        return Self.apply(mask: mask, to: x, plane: h * w)
    }

    /// dy -> dx = dy * mask (the same planes zeroed and scaled)
    public func backward(_ dy: Tensor) -> Tensor {
        let span = KernelProfiler.begin(.dropoutBackward); defer { span.end() }
        guard !mask.isEmpty else { return dy }
        let (n, c, h, w) = dy.nchw
        precondition(n * c == mask.count, "Dropout2d.backward: dy shape \(dy.shape) does not match the last forward")
        return Self.apply(mask: mask, to: dy, plane: h * w)
    }

    /// Multiplies each plane of `x` by its mask entry.
    static func apply(mask: [Float], to x: Tensor, plane: Int) -> Tensor {
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in
            for (k, scale) in mask.enumerated() {
                for j in (k * plane)..<((k + 1) * plane) { p[j] *= scale }
            }
        }
        return y
    }
}
