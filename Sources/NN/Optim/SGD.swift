/// Stochastic gradient descent with momentum and weight decay, exactly as `torch.optim.SGD`
/// (dampening 0, not Nesterov):
///   d = grad + weightDecay * p;  buf = d on the first step, else momentum * buf + d;  p -= lr * buf.
public final class SGD {
    public let parameters: [Parameter]
    public let momentum: Float
    public let weightDecay: Float
    /// One momentum buffer per parameter; empty until the first step.
    public private(set) var buffers: [Tensor] = []

    /// Restores momentum buffers saved from an optimizer over the same parameters (empty: none yet).
    public func restore(buffers saved: [Tensor]) {
        precondition(saved.isEmpty || saved.map(\.shape) == parameters.map(\.value.shape), "SGD buffers must match the parameters")
        buffers = saved
    }

    public init(parameters: [Parameter], momentum: Float = 0.9, weightDecay: Float = 1e-4) {
        self.parameters = parameters
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// One update of every parameter with learning rate `lr`.
    public func step(lr: Float) {
        let span = KernelProfiler.begin(.optimizer); defer { span.end() }
        let first = buffers.isEmpty
        if first { buffers = parameters.map { Tensor.zeros(like: $0.value) } }
        for (index, p) in parameters.enumerated() {
            p.value.data.withUnsafeMutableBufferPointer { v in
                p.grad.data.withUnsafeBufferPointer { g in
                    buffers[index].data.withUnsafeMutableBufferPointer { b in
                        Vectorized.sgdStep(value: v.start, grad: g.start, buffer: b.start, count: v.count,
                                           lr: lr, momentum: momentum, weightDecay: weightDecay, first: first)
                    }
                }
            }
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() {
        let span = KernelProfiler.begin(.optimizer); defer { span.end() }
        parameters.forEach { $0.zeroGrad() }
    }
}
