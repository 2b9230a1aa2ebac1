/// A tiny segmentation network that exercises every layer of the core end to end: the network of
/// the core's smoke test (`Tests/NNTests/CoreSmokeTests.swift`) and of `auxsweep core-demo`.
///
/// x [N, 3, H, W] -> conv3x3 s2 (3->8) -> BN -> ReLU -> [conv3x3 -> BN] + identity -> ReLU
///   -> concat(features, upsample(avgpool2(features))) -> Dropout2d -> conv1x1 (16->classes)
///   -> bilinear (align_corners) to H x W.
public final class TinySegmentationNet {
    let stem: Conv2d, stemNorm: BatchNorm2d, stemReLU = ReLU()
    let conv: Conv2d, norm: BatchNorm2d, blockReLU = ReLU()
    let pool = AdaptiveAvgPool2d(outputSize: 2)
    let poolUpsample: BilinearUpsample
    let dropout: Dropout2d
    let classifier: Conv2d
    let outputUpsample: BilinearUpsample

    /// A network for `size` x `size` inputs and `classes` classes, initialised from `seed`.
    public init(classes: Int, size: Int, seed: UInt64) {
        precondition(size % 2 == 0, "TinySegmentationNet needs an even input size")
        var generator = SeededGenerator(seed: seed)
        stem = Conv2d(inChannels: 3, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, bias: false, generator: &generator)
        stemNorm = BatchNorm2d(channels: 8)
        conv = Conv2d(inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1, bias: false, generator: &generator)
        norm = BatchNorm2d(channels: 8)
        poolUpsample = BilinearUpsample(outputHeight: size / 2, outputWidth: size / 2)
        dropout = Dropout2d(probability: 0.1, generator: SeededGenerator(seed: seed, stream: 1))
        classifier = Conv2d(inChannels: 16, outChannels: classes, kernelSize: 1, generator: &generator)
        outputUpsample = BilinearUpsample(outputHeight: size, outputWidth: size)
    }

    var layers: [any Layer] { [stem, stemNorm, stemReLU, conv, norm, blockReLU, pool, poolUpsample, dropout, classifier, outputUpsample] }

    /// Every trainable parameter.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Training or evaluation mode for every layer.
    public var isTraining: Bool = true {
        didSet { for layer in layers { layer.isTraining = isTraining } }
    }

    /// x: [N, 3, H, W] -> logits [N, classes, H, W]
    public func forward(_ x: Tensor) -> Tensor {
        let features = stemReLU.forward(stemNorm.forward(stem.forward(x)))
        var block = norm.forward(conv.forward(features))
        block.add(features)
        let trunk = blockReLU.forward(block)
        let context = poolUpsample.forward(pool.forward(trunk))
        let merged = ChannelConcat.forward([trunk, context])
        return outputUpsample.forward(classifier.forward(dropout.forward(merged)))
    }

    /// dlogits: [N, classes, H, W] -> adds every parameter's gradient.
    public func backward(_ dlogits: Tensor) {
        let dMerged = dropout.backward(classifier.backward(outputUpsample.backward(dlogits)))
        let parts = ChannelConcat.backward(dMerged, channels: [8, 8])
        var dTrunk = parts[0]
        dTrunk.add(pool.backward(poolUpsample.backward(parts[1])))
        let dBlock = blockReLU.backward(dTrunk)
        // The residual add passes its gradient unchanged to both branches.
        var dFeatures = conv.backward(norm.backward(dBlock))
        dFeatures.add(dBlock)
        _ = stem.backward(stemNorm.backward(stemReLU.backward(dFeatures)))
    }
}

/// A fixed toy task for the tiny network: random images whose label is the sign pattern of a
/// smoothed colour difference, with a thin ignored band where the pattern changes.
public enum TinyTask {
    /// Images [count, 3, size, size] and labels [count * size * size] (classes 0-1, 255 = ignore).
    public static func batch(count: Int, size: Int, seed: UInt64) -> (images: Tensor, labels: [UInt8]) {
        var generator = SeededGenerator(seed: seed)
        var images = Tensor(shape: [count, 3, size, size])
        var labels = [UInt8](repeating: 0, count: count * size * size)
        for n in 0..<count {
            // A random half-plane per image: class 1 on one side, brighter red there.
            let a = generator.nextFloat(in: -1, 1), b = generator.nextFloat(in: -1, 1), c = generator.nextFloat(in: -0.3, 0.3)
            for i in 0..<size {
                for j in 0..<size {
                    let u = Float(i) / Float(size - 1) - 0.5, v = Float(j) / Float(size - 1) - 0.5
                    let side = a * u + b * v + c
                    let label: UInt8 = abs(side) < 0.02 ? 255 : (side > 0 ? 1 : 0)
                    labels[(n * size + i) * size + j] = label
                    for ch in 0..<3 {
                        let signal: Float = ch == 0 ? (side > 0 ? 0.8 : -0.8) : 0
                        images.data[((n * 3 + ch) * size + i) * size + j] = signal + 0.5 * generator.nextNormal()
                    }
                }
            }
        }
        return (images, labels)
    }
}
