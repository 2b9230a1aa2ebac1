import NN

/// A segmentation head: conv3x3 (no bias) -> BN -> ReLU -> Dropout2d -> conv1x1 (bias) to the classes,
/// then bilinear upsampling (align_corners) to the image size.
///
/// Names, as PyTorch's Sequential indices: `0` (conv3x3), `1` (BN), `4` (classifier).
public final class SegmentationHead: Layer {
    let body: Sequential
    let conv: Conv2d, norm: BatchNorm2d, classifier: Conv2d
    /// The head's channel dropout (its generator is part of a resumable checkpoint).
    public let dropout: Dropout2d
    private var upsample: BilinearUpsample?

    public init(inChannels: Int, width: Int, classes: Int, dropout: Float, dropoutSeed: SeededGenerator,
                generator: inout SeededGenerator) {
        conv = Conv2d(inChannels: inChannels, outChannels: width, kernelSize: 3, padding: 1, bias: false, generator: &generator)
        norm = BatchNorm2d(channels: width, fusedReLU: true)
        classifier = Conv2d(inChannels: width, outChannels: classes, kernelSize: 1, bias: true, generator: &generator)
        self.dropout = Dropout2d(probability: dropout, generator: dropoutSeed)
        body = Sequential([conv, norm, self.dropout, classifier])
    }

    public var isTraining: Bool = true {
        didSet { body.isTraining = isTraining }
    }

    public var parameters: [Parameter] { body.parameters }

    func collectState(prefix: String, into state: inout StateDictionary) {
        state.add(conv: conv, name: prefix + "0")
        state.add(norm: norm, name: prefix + "1")
        state.add(conv: classifier, name: prefix + "4")
    }

    /// Sets the output size (the image's) for the next forward.
    func resize(height: Int, width: Int) {
        if upsample.map({ $0.outputHeight != height || $0.outputWidth != width }) ?? true {
            upsample = BilinearUpsample(outputHeight: height, outputWidth: width)
        }
    }

    /// x: [N, inC, h, w] -> logits [N, classes, H, W] at the size set by `resize`.
    public func forward(_ x: Tensor) -> Tensor {
        guard let upsample else { preconditionFailure("SegmentationHead.forward before resize") }
        return upsample.forward(body.forward(x))
    }

    /// Appends the head's evaluation-mode body to `graph`: conv+BN+ReLU (dropout is the identity),
    /// then the classifier; the logits are at the input's resolution (see `upsampleLogits`).
    func appendEvaluation(to graph: EvaluationGraph, _ x: EvaluationGraph.Value) -> EvaluationGraph.Value {
        graph.convolution(classifier, norm: nil, graph.convolution(conv, norm: norm, x, relu: true), relu: false)
    }

    /// The classifier's logits resized to the size set by `resize`.
    func upsampleLogits(_ logits: Tensor) -> Tensor {
        guard let upsample else { preconditionFailure("SegmentationHead.upsampleLogits before resize") }
        return upsample.forward(logits)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let upsample else { preconditionFailure("SegmentationHead.backward before forward") }
        return body.backward(upsample.backward(dy))
    }
}
