import NN

/// PSPNet-mini (docs/DESIGN.md section 4): a residual backbone of four stages (the fourth dilated),
/// pyramid pooling, the main head, and the auxiliary head on stage 3 that runs in training only.
///
/// The model returns main and auxiliary logits; the trainer owns `main + w * aux`.
public final class PSPNetMini {
    public let config: ModelConfig
    let stem: Sequential
    let stages: [[BasicBlock]]
    let pyramid: PyramidPooling
    let head: SegmentationHead
    let aux: SegmentationHead

    /// A network initialised as PyTorch initialises its modules, from `seed` (weights and dropout).
    public init(config: ModelConfig, seed: UInt64) {
        precondition(config.classes > 1 && config.classes < 255, "PSPNet-mini needs 2 to 254 classes, got \(config.classes)")
        precondition(config.blocks.count == 4 && config.blocks.allSatisfy { $0 >= 1 }, "blocks must list 4 positive counts")
        precondition(config.residual.count == 4, "residual must list 4 flags")
        self.config = config
        var generator = SeededGenerator(seed: seed)
        let widths = ModelConfig.stageWidths
        stem = Sequential([
            Conv2d(inChannels: 3, outChannels: widths[0], kernelSize: 3, stride: 2, padding: 1, bias: false, generator: &generator),
            BatchNorm2d(channels: widths[0], fusedReLU: true),
        ])
        var stages: [[BasicBlock]] = []
        var inChannels = widths[0]
        for s in 0..<4 {
            let stride = (s == 1 || s == 2) ? 2 : 1
            let dilation = s == 3 ? 2 : 1
            stages.append((0..<config.blocks[s]).map { b in
                let block = BasicBlock(inChannels: b == 0 ? inChannels : widths[s], outChannels: widths[s],
                                       stride: b == 0 ? stride : 1, dilation: dilation, residual: config.residual[s],
                                       generator: &generator)
                return block
            })
            inChannels = widths[s]
        }
        self.stages = stages
        // The stem's output stays blocked for the first block (see BasicBlock).
        (stem.layers[0] as? Conv2d)?.outputLayout = .native
        pyramid = PyramidPooling(inChannels: widths[3], bins: ModelConfig.pyramidBins, width: ModelConfig.pyramidWidth,
                                 generator: &generator)
        head = SegmentationHead(inChannels: widths[3] + ModelConfig.pyramidBins.count * ModelConfig.pyramidWidth,
                                width: ModelConfig.headWidth, classes: config.classes, dropout: config.dropout,
                                dropoutSeed: SeededGenerator(seed: seed, stream: 1), generator: &generator)
        aux = SegmentationHead(inChannels: widths[2], width: ModelConfig.auxWidth, classes: config.classes,
                               dropout: config.dropout, dropoutSeed: SeededGenerator(seed: seed, stream: 2),
                               generator: &generator)
    }

    /// The fused evaluation-mode forwards of the main path up to the classifier, one per input shape
    /// seen (an evaluation's last, smaller batch has its own); each reloads the weights by itself
    /// after they change (see `EvaluationGraph`).
    private var evaluationGraphs: [[Int]: EvaluationGraph] = [:]

    /// Whether evaluation-mode forwards run the fused graph (the default) or the layers one by one.
    /// Both give the same logits to rounding; the layer path is kept as the graph's test oracle.
    public var usesEvaluationGraph = true

    /// Builds the evaluation graph for images of `shape`.
    private func makeEvaluationGraph(inputShape shape: [Int]) -> EvaluationGraph {
        let graph = EvaluationGraph(inputShape: shape)
        guard let conv = stem.layers[0] as? Conv2d, let norm = stem.layers[1] as? BatchNorm2d else {
            preconditionFailure("the stem starts with a convolution and a batch norm")
        }
        var x = graph.convolution(conv, norm: norm, graph.input, relu: true)
        for block in stages.joined() { x = block.appendEvaluation(to: graph, x) }
        x = head.appendEvaluation(to: graph, pyramid.appendEvaluation(to: graph, x))
        graph.setOutput(x)
        return graph
    }

    /// Training mode (batch statistics, dropout, auxiliary head) or evaluation mode.
    public var isTraining: Bool = true {
        didSet {
            stem.isTraining = isTraining
            for block in stages.joined() { block.isTraining = isTraining }
            pyramid.isTraining = isTraining
            head.isTraining = isTraining
            aux.isTraining = isTraining
        }
    }

    /// The channel dropouts of the main and auxiliary heads.
    public var dropouts: (main: Dropout2d, aux: Dropout2d) { (head.dropout, aux.dropout) }

    /// Every trainable parameter, in checkpoint order.
    public var parameters: [Parameter] {
        stem.parameters + stages.joined().flatMap(\.parameters) + pyramid.parameters + head.parameters + aux.parameters
    }

    /// Multiply-adds of the convolutions in the last forward: main path and auxiliary head.
    public var lastForwardMultiplyAdds: (main: Int, aux: Int) {
        var main = stem.layers.compactMap { $0 as? Conv2d }
        for block in stages.joined() {
            main += [block.conv1, block.conv2] + (block.down?.layers.compactMap { $0 as? Conv2d } ?? [])
        }
        main += pyramid.stages.compactMap { $0.layers[1] as? Conv2d } + [head.conv, head.classifier]
        let total = { (convs: [Conv2d]) in convs.reduce(0) { $0 + $1.lastForwardMultiplyAdds } }
        return (total(main), isTraining ? total([aux.conv, aux.classifier]) : 0)
    }

    /// Every tensor under its PyTorch name.
    public var state: StateDictionary {
        var state = StateDictionary()
        if let conv = stem.layers[0] as? Conv2d, let norm = stem.layers[1] as? BatchNorm2d {
            state.add(conv: conv, name: "stem.0")
            state.add(norm: norm, name: "stem.1")
        }
        for (s, blocks) in stages.enumerated() {
            for (b, block) in blocks.enumerated() { block.collectState(prefix: "layer\(s + 1).\(b).", into: &state) }
        }
        pyramid.collectState(prefix: "ppm.", into: &state)
        head.collectState(prefix: "head.", into: &state)
        aux.collectState(prefix: "aux.", into: &state)
        return state
    }

    /// x: [N, 3, H, W] (H, W multiples of 8) -> main logits [N, C, H, W] and, in training, auxiliary
    /// logits [N, C, H, W].
    public func forward(_ x: Tensor) -> (main: Tensor, aux: Tensor?) {
        let (_, c, h, w) = x.nchw
        precondition(c == 3, "PSPNet-mini takes 3-channel images, got \(c)")
        precondition(h % 8 == 0 && w % 8 == 0, "PSPNet-mini needs H and W multiples of 8, got \(h)x\(w)")
        head.resize(height: h, width: w)
        aux.resize(height: h, width: w)
        if !isTraining && usesEvaluationGraph {
            let graph = evaluationGraphs[x.shape] ?? makeEvaluationGraph(inputShape: x.shape)
            evaluationGraphs[x.shape] = graph
            return (head.upsampleLogits(graph.run(x)), nil)
        }
        var features = stem.forward(x)
        var auxLogits: Tensor?
        for (s, blocks) in stages.enumerated() {
            for block in blocks { features = block.forward(features) }
            if s == 2 && isTraining { auxLogits = aux.forward(features) }
        }
        // The backbone and the pyramid compute in oneDNN's blocked layout; the head's batch norm,
        // dropout and classifier in NCHW (its first convolution reorders).
        return (head.forward(pyramid.forward(features)), auxLogits)
    }

    /// Backpropagates the gradients of the loss with respect to both outputs of the last training
    /// forward (`dAux` nil when the auxiliary loss has weight 0), adding every parameter's gradient.
    public func backward(dMain: Tensor, dAux: Tensor?) {
        var d = pyramid.backward(head.backward(dMain))
        for (s, blocks) in stages.enumerated().reversed() {
            if s == 2, let dAux { d.add(aux.backward(dAux)) }
            for block in blocks.reversed() { d = block.backward(d) }
        }
        // The image needs no gradient: the stem convolution computes only its weight gradient.
        for layer in stem.layers.dropFirst().reversed() { d = layer.backward(d) }
        guard let stemConv = stem.layers.first as? Conv2d else { preconditionFailure("the stem starts with a convolution") }
        stemConv.accumulateParameterGradients(d)
    }
}
