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
            for i in 0..<p.count where !(p[i] > 0) { p[i] = 0 }
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
                for i in 0..<d.count where !(yp[i] > 0) { d[i] = 0 }
            }
        }
        return dx
    }
}
