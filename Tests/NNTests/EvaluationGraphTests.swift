import NN
import TestSupport
import Testing

/// The fused evaluation graph against the layers it replaces, in evaluation mode.
@Suite("EvaluationGraph")
struct EvaluationGraphTests {
    /// A batch norm in evaluation mode with running statistics, scale and shift away from their
    /// initial values.
    static func trainedNorm(channels: Int, seed: UInt64) -> BatchNorm2d {
        let bn = BatchNorm2d(channels: channels)
        var generator = SeededGenerator(seed: seed)
        for c in 0..<channels {
            bn.runningMean.data[c] = generator.nextNormal() * 0.5
            bn.runningVar.data[c] = 0.2 + generator.nextUnitFloat() * 2
            bn.weight.value.data[c] = 0.5 + generator.nextUnitFloat()
            bn.bias.value.data[c] = generator.nextNormal() * 0.3
        }
        bn.isTraining = false
        return bn
    }

    /// Builds a graph on `x`'s shape with `build`, makes its result the output and runs it.
    static func run(_ x: Tensor, _ build: (EvaluationGraph) -> EvaluationGraph.Value) -> Tensor {
        let graph = EvaluationGraph(inputShape: x.shape)
        graph.setOutput(build(graph))
        return graph.run(x)
    }

    let x = randomTensor([3, 16, 10, 12], seed: 3)
    let conv: Conv2d, down: Conv2d, classifier: Conv2d
    let bn = trainedNorm(channels: 16, seed: 1), downNorm = trainedNorm(channels: 32, seed: 2)
    let relu = ReLU()

    init() {
        var generator = SeededGenerator(seed: 7)
        conv = Conv2d(inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1, bias: false, generator: &generator)
        down = Conv2d(inChannels: 16, outChannels: 32, kernelSize: 1, stride: 2, bias: false, generator: &generator)
        classifier = Conv2d(inChannels: 16, outChannels: 5, kernelSize: 1, bias: true, generator: &generator)
        for layer in [conv, down, classifier] as [any Layer] { layer.isTraining = false }
    }

    @Test("convolution + batch norm + ReLU agrees with the layers")
    func convolutionNormReLU() {
        let fused = Self.run(x) { $0.convolution(conv, norm: bn, $0.input, relu: true) }
        #expect(Tolerance.error(fused, relu.forward(bn.forward(conv.forward(x)))) <= Tolerance.forward)
    }

    @Test("a strided 1x1 projection with batch norm and no ReLU agrees with the layers")
    func projection() {
        let fused = Self.run(x) { $0.convolution(down, norm: downNorm, $0.input, relu: false) }
        let expected = downNorm.forward(down.forward(x))
        #expect(Tolerance.error(fused, expected) <= Tolerance.forward)
        #expect(fused.data.contains { $0 < 0 }, "no ReLU: negative outputs stay")
    }

    @Test("the residual sum accumulates into the shortcut before the ReLU, as in a BasicBlock")
    func residual() {
        let fused = Self.run(x) { g in
            let t = g.convolution(conv, norm: bn, g.input, relu: true)
            return g.convolution(conv, norm: bn, t, accumulatingInto: g.input, relu: true)
        }
        var expected = bn.forward(conv.forward(relu.forward(bn.forward(conv.forward(x)))))
        expected.add(x)
        #expect(Tolerance.error(fused, relu.forward(expected)) <= Tolerance.forward)
    }

    @Test("a classifier with bias and no batch norm agrees with the layer")
    func classifierWithBias() {
        let fused = Self.run(x) { $0.convolution(classifier, norm: nil, $0.input, relu: false) }
        #expect(Tolerance.error(fused, classifier.forward(x)) <= Tolerance.forward)
    }

    @Test("pooling, resizing and concatenation in the blocked layout equal the NCHW layers bit for bit")
    func blockedKernels() {
        let wide = randomTensor([2, 32, 8, 8], seed: 11)
        for bins in [1, 2, 3, 6] {
            let fused = Self.run(wide) { $0.adaptiveAveragePool($0.input, bins: bins) }
            #expect(fused == AdaptiveAvgPool2d(outputSize: bins).forward(wide), "bins \(bins)")
        }
        let small = randomTensor([2, 32, 3, 5], seed: 12)
        let resized = Self.run(small) { $0.bilinearUpsample($0.input, height: 8, width: 7) }
        #expect(resized == BilinearUpsample(outputHeight: 8, outputWidth: 7).forward(small))
        let joined = Self.run(wide) { g in g.concat([g.input, g.adaptiveAveragePool(g.input, bins: 8), g.input]) }
        #expect(joined == ChannelConcat.forward([wide, AdaptiveAvgPool2d(outputSize: 8).forward(wide), wide]))
    }

    @Test("the graph picks up changed weights and running statistics on its next run")
    func reloadsChangedParameters() {
        let graph = EvaluationGraph(inputShape: x.shape)
        graph.setOutput(graph.convolution(conv, norm: bn, graph.input, relu: false))
        let before = graph.run(x)
        #expect(graph.run(x) == before, "same parameters, same result")
        conv.weight.value.data[0] += 0.5
        #expect(Tolerance.error(graph.run(x), bn.forward(conv.forward(x))) <= Tolerance.forward)
        bn.runningMean.data[3] += 1
        #expect(Tolerance.error(graph.run(x), bn.forward(conv.forward(x))) <= Tolerance.forward)
        bn.bias.value.data[5] -= 2
        let after = graph.run(x)
        #expect(Tolerance.error(after, bn.forward(conv.forward(x))) <= Tolerance.forward)
        #expect(after != before)
    }
}
