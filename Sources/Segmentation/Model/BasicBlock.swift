import NN

/// A ResNet BasicBlock: conv3x3 -> BN -> ReLU -> conv3x3 -> BN, plus the identity (or a 1x1 conv + BN
/// projection when the shape changes), then ReLU. A plain block (no residual) drops the second path.
///
/// Parameter names follow PyTorch: `conv1`, `bn1`, `conv2`, `bn2`, `down.0` (conv), `down.1` (BN).
public final class BasicBlock: Layer {
    /// bn1 applies the block's first ReLU in its own pass.
    let conv1: Conv2d, bn1: BatchNorm2d
    let conv2: Conv2d, bn2: BatchNorm2d, relu2 = ReLU()
    /// The projection path, when the block changes width or stride (and is residual).
    let down: Sequential?
    public let residual: Bool

    public init(inChannels: Int, outChannels: Int, stride: Int, dilation: Int, residual: Bool,
                generator: inout SeededGenerator) {
        self.residual = residual
        conv1 = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride,
                       padding: dilation, dilation: dilation, bias: false, generator: &generator)
        bn1 = BatchNorm2d(channels: outChannels, fusedReLU: true)
        conv2 = Conv2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: dilation,
                       dilation: dilation, bias: false, generator: &generator)
        bn2 = BatchNorm2d(channels: outChannels)
        if residual && (stride != 1 || inChannels != outChannels) {
            down = Sequential([
                Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride, bias: false,
                       generator: &generator),
                BatchNorm2d(channels: outChannels),
            ])
        } else {
            down = nil
        }
        // Inside and out of a block, activations stay in the blocked layout oneDNN's convolutions
        // pick on this CPU (nChw16c or nChw8c): no layout reorder runs between the convolutions,
        // batch norms and element-wise steps.
        if outChannels % (Tensor.Layout.native.blockWidth ?? 16) == 0 {
            for conv in [conv1, conv2] + (down?.layers.compactMap { $0 as? Conv2d } ?? []) { conv.outputLayout = .native }
        }
    }

    public var isTraining: Bool = true {
        didSet { for layer in [conv1, bn1, conv2, bn2, relu2] as [any Layer] { layer.isTraining = isTraining }; down?.isTraining = isTraining }
    }

    /// Named parameters and batch-norm statistics, for checkpoints.
    func collectState(prefix: String, into state: inout StateDictionary) {
        state.add(conv: conv1, name: prefix + "conv1")
        state.add(norm: bn1, name: prefix + "bn1")
        state.add(conv: conv2, name: prefix + "conv2")
        state.add(norm: bn2, name: prefix + "bn2")
        if let down, let conv = down.layers[0] as? Conv2d, let norm = down.layers[1] as? BatchNorm2d {
            state.add(conv: conv, name: prefix + "down.0")
            state.add(norm: norm, name: prefix + "down.1")
        }
    }

    public var parameters: [Parameter] {
        conv1.parameters + bn1.parameters + conv2.parameters + bn2.parameters + (down?.parameters ?? [])
    }

    /// x: [N, inC, H, W] (any layout) -> y: [N, outC, H/stride, W/stride] (in `Tensor.Layout.native`
    /// when outC is a multiple of its block width)
    public func forward(_ x: Tensor) -> Tensor {
        var y = bn2.forward(conv2.forward(bn1.forward(conv1.forward(x))))
        if residual { y.add((down?.forward(x) ?? x).converted(to: y.layout)) }
        return relu2.forward(y)
    }

    /// Appends the block's evaluation-mode forward to `graph`: conv1+bn1+ReLU, then conv2+bn2 with the
    /// shortcut added and ReLU fused into the same pass.
    func appendEvaluation(to graph: EvaluationGraph, _ x: EvaluationGraph.Value) -> EvaluationGraph.Value {
        let t = graph.convolution(conv1, norm: bn1, x, relu: true)
        guard residual else { return graph.convolution(conv2, norm: bn2, t, relu: true) }
        var shortcut = x
        if let down, let conv = down.layers[0] as? Conv2d, let norm = down.layers[1] as? BatchNorm2d {
            shortcut = graph.convolution(conv, norm: norm, x, relu: false)
        }
        return graph.convolution(conv2, norm: bn2, t, accumulatingInto: shortcut, relu: true)
    }

    /// dy -> dx; the residual sum passes its gradient to both paths.
    public func backward(_ dy: Tensor) -> Tensor {
        let dSum = relu2.backward(dy)
        var dx = conv1.backward(bn1.backward(conv2.backward(bn2.backward(dSum))))
        if residual { dx.add((down?.backward(dSum) ?? dSum).converted(to: dx.layout)) }
        return dx
    }
}
