/// Layers applied one after another; backward runs them in reverse.
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    public var isTraining: Bool = true {
        didSet { for layer in layers { layer.isTraining = isTraining } }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// x -> layers[n-1](...layers[0](x))
    public func forward(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1.forward($0) }
    }

    /// dy -> dx through every layer in reverse order.
    public func backward(_ dy: Tensor) -> Tensor {
        layers.reversed().reduce(dy) { $1.backward($0) }
    }
}
