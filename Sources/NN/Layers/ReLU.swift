/// Rectified linear unit, y = max(x, 0); the gradient passes where the output is positive.
public final class ReLU: Layer {
    public var isTraining = true
    /// The output of the last forward: backward passes dy where it is positive.
    private var output: Tensor?

    public init() {}

    /// x: any shape -> y: same shape
    public func forward(_ x: Tensor) -> Tensor {
        let span = KernelProfiler.begin(.reluForward); defer { span.end() }
        var y = Tensor(uninitializedShape: x.shape, layout: x.layout)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                // Negative values become 0; NaN stays NaN, as in PyTorch.
                Vectorized.map(xp.start, into: yp.start, count: yp.count,
                               { $0.replacing(with: 0, where: $0 .< 0) }, { $0 < 0 ? 0 : $0 })
            }
        }
        output = y
        return y
    }

    /// dy -> dx = dy * (y > 0)
    public func backward(_ dy: Tensor) -> Tensor {
        let span = KernelProfiler.begin(.reluBackward); defer { span.end() }
        guard let y = output else { preconditionFailure("ReLU.backward called before forward") }
        precondition(dy.shape == y.shape && dy.layout == y.layout, "ReLU.backward: dy shape \(dy.shape) != \(y.shape)")
        var dx = Tensor(uninitializedShape: dy.shape, layout: dy.layout)
        dy.data.withUnsafeBufferPointer { d in
            y.data.withUnsafeBufferPointer { yp in
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    Vectorized.map(d.start, yp.start, into: dxp.start, count: dxp.count,
                                   { g, out in g.replacing(with: 0, where: .!(out .> 0)) }, { g, out in out > 0 ? g : 0 })
                }
            }
        }
        return dx
    }
}
