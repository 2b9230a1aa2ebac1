import NN

/// The pyramid pooling module: for each bin size b, adaptive average pooling to b x b, a 1x1
/// convolution to 32 channels, BN and ReLU, bilinear upsampling (align_corners) back to the input
/// size; the branches are concatenated after the input.
///
/// x: [N, 128, h, w] -> [N, 128 + 4*32, h, w], computed in the blocked layout oneDNN's convolutions
/// pick on this CPU (`Tensor.Layout.native`). Names: `ppm.stages.I.1` (conv), `ppm.stages.I.2` (BN).
public final class PyramidPooling: Layer {
    /// Per bin: pool (0), conv (1), BN with its ReLU fused (2; PyTorch's ReLU is index 3).
    let stages: [Sequential]
    let inChannels: Int
    /// One upsampler per stage, resized when the input size changes.
    private var upsamplers: [BilinearUpsample] = []
    /// The layout of the last forward's input (its gradient is returned in it).
    private var inputLayout: Tensor.Layout = .nchw

    public init(inChannels: Int, bins: [Int], width: Int, generator: inout SeededGenerator) {
        self.inChannels = inChannels
        stages = bins.map { bin in
            let conv = Conv2d(inChannels: inChannels, outChannels: width, kernelSize: 1, bias: false, generator: &generator)
            conv.outputLayout = .native
            return Sequential([AdaptiveAvgPool2d(outputSize: bin), conv, BatchNorm2d(channels: width, fusedReLU: true)])
        }
    }

    public var isTraining: Bool = true {
        didSet { for stage in stages { stage.isTraining = isTraining } }
    }

    public var parameters: [Parameter] { stages.flatMap(\.parameters) }

    func collectState(prefix: String, into state: inout StateDictionary) {
        for (i, stage) in stages.enumerated() {
            if let conv = stage.layers[1] as? Conv2d, let norm = stage.layers[2] as? BatchNorm2d {
                state.add(conv: conv, name: "\(prefix)stages.\(i).1")
                state.add(norm: norm, name: "\(prefix)stages.\(i).2")
            }
        }
    }

    public func forward(_ x: Tensor) -> Tensor {
        let (_, _, h, w) = x.nchw
        inputLayout = x.layout
        let x = x.converted(to: .native)
        if upsamplers.first.map({ $0.outputHeight != h || $0.outputWidth != w }) ?? true {
            upsamplers = stages.map { _ in BilinearUpsample(outputHeight: h, outputWidth: w) }
        }
        return ChannelConcat.forward([x] + zip(stages, upsamplers).map { $1.forward($0.forward(x)) })
    }

    /// Appends the module's evaluation-mode forward to `graph` (pool, conv+BN+ReLU, upsample per bin;
    /// the concatenation after the input).
    func appendEvaluation(to graph: EvaluationGraph, _ x: EvaluationGraph.Value) -> EvaluationGraph.Value {
        let dims = graph.shape(of: x)
        let branches = stages.map { stage -> EvaluationGraph.Value in
            guard let pool = stage.layers[0] as? AdaptiveAvgPool2d, let conv = stage.layers[1] as? Conv2d,
                  let norm = stage.layers[2] as? BatchNorm2d else { preconditionFailure("pyramid stage layout changed") }
            let pooled = graph.adaptiveAveragePool(x, bins: pool.outputSize)
            return graph.bilinearUpsample(graph.convolution(conv, norm: norm, pooled, relu: true), height: dims[2], width: dims[3])
        }
        return graph.concat([x] + branches)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let width = (dy.shape[1] - inChannels) / stages.count
        let parts = ChannelConcat.backward(dy, channels: [inChannels] + stages.map { _ in width })
        var dx = parts[0]
        for (i, stage) in stages.enumerated() {
            dx.add(stage.backward(upsamplers[i].backward(parts[i + 1])))
        }
        return dx.converted(to: inputLayout)
    }
}
