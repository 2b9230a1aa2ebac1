/// A trainable tensor and the gradient accumulated for it.
///
/// Layers own their parameters; the optimizer and the checkpoint writer reach them through the
/// layer's `parameters`. Backward passes add into `grad`; `zeroGrad()` clears it explicitly.
public final class Parameter {
    /// The current value.
    public var value: Tensor {
        didSet { version &+= 1 }
    }
    /// Counts the changes of `value` (every assignment or in-place update), so derived copies such as
    /// an evaluation graph's folded weights know when they are stale.
    public private(set) var version = 0
    /// The accumulated gradient, same shape as `value`.
    public var grad: Tensor

    /// A parameter holding `value`, with a zero gradient.
    public init(_ value: Tensor) {
        self.value = value
        self.grad = Tensor.zeros(like: value)
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad.zero() }
}
