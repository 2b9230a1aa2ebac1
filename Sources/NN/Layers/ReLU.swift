/// Rectified linear unit, y = max(x, 0); the gradient passes where the output is positive.
public final class ReLU: Layer {
    public var isTraining = true
    /// The output of the last forward: backward passes dy where it is positive.
    private var output: Tensor?

    public init() {}

    /// x: any shape -> y: same shape
    public func forward(_ x: Tensor) -> Tensor {
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in
            // Negative values become 0; NaN stays NaN, as in PyTorch.
            Vectorized.update(p.start, count: p.count, { $0.replacing(with: 0, where: $0 .< 0) }, { $0 < 0 ? 0 : $0 })
        }
        output = y
        return y
    }

    /// dy -> dx = dy * (y > 0)
    public func backward(_ dy: Tensor) -> Tensor {
        guard let y = output else { preconditionFailure("ReLU.backward called before forward") }
        precondition(dy.shape == y.shape, "ReLU.backward: dy shape \(dy.shape) != \(y.shape)")
        var dx = dy
        dx.data.withUnsafeMutableBufferPointer { d in
            y.data.withUnsafeBufferPointer { yp in
                Vectorized.update(d.start, with: yp.start, count: d.count,
                                  { g, out in g.replacing(with: 0, where: .!(out .> 0)) }, { g, out in out > 0 ? g : 0 })
            }
        }
        return dx
    }
}
