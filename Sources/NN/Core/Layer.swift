/// A network layer with a forward pass and its backward pass written side by side.
///
/// `forward` caches exactly what `backward` needs; `backward` takes the gradient of the loss with
/// respect to the layer's output and returns the gradient with respect to its input, adding the
/// parameter gradients into each `Parameter.grad` (explicit zero-grad, as in PyTorch).
public protocol Layer: AnyObject {
    /// Training mode (batch statistics, dropout on) or evaluation mode.
    var isTraining: Bool { get set }
    /// The trainable parameters, in a stable order.
    var parameters: [Parameter] { get }
    /// Runs the layer and caches what `backward` needs.
    func forward(_ x: Tensor) -> Tensor
    /// Gradient with respect to the input of the last `forward`, accumulating parameter gradients.
    func backward(_ dy: Tensor) -> Tensor
}

extension Layer {
    public var parameters: [Parameter] { [] }
}
