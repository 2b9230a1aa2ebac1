import Foundation

/// Single-layer convolution throughput on the PSPNet-mini shapes (docs/DESIGN.md section 4), and the raw
/// oneDNN sgemm rate beside it.
public enum ConvBenchmark {
    /// One convolution of the network, at a given batch.
    public struct Shape: Sendable {
        public let name: String
        public let inChannels, outChannels, kernelSize, stride, padding, dilation, size: Int
        /// How many convolutions of this shape one forward pass of the network runs.
        public let count: Int

        /// Multiply-adds of one forward pass of this convolution for `batch` images, times 2 (FLOPs).
        public func flops(batch: Int) -> Double {
            let out = (size + 2 * padding - dilation * (kernelSize - 1) - 1) / stride + 1
            return 2 * Double(batch * outChannels * out * out * inChannels * kernelSize * kernelSize)
        }
    }

    /// The classifier's output channels: the shapes task's class count (`ShapesDataset.classCount` in
    /// the Segmentation module, which NN cannot import).
    public static let classes = 11

    /// The convolutions of PSPNet-mini for 64 x 64 inputs, `classes` classes (main path and aux head).
    public static let pspnetMini: [Shape] = [
        Shape(name: "stem 3->16 s2", inChannels: 3, outChannels: 16, kernelSize: 3, stride: 2, padding: 1, dilation: 1, size: 64, count: 1),
        Shape(name: "layer1 16->16", inChannels: 16, outChannels: 16, kernelSize: 3, stride: 1, padding: 1, dilation: 1, size: 32, count: 4),
        Shape(name: "layer2 16->32 s2", inChannels: 16, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, dilation: 1, size: 32, count: 1),
        Shape(name: "layer2 32->32", inChannels: 32, outChannels: 32, kernelSize: 3, stride: 1, padding: 1, dilation: 1, size: 16, count: 3),
        Shape(name: "layer2 down 1x1 s2", inChannels: 16, outChannels: 32, kernelSize: 1, stride: 2, padding: 0, dilation: 1, size: 32, count: 1),
        Shape(name: "layer3 32->64 s2", inChannels: 32, outChannels: 64, kernelSize: 3, stride: 2, padding: 1, dilation: 1, size: 16, count: 1),
        Shape(name: "layer3 64->64", inChannels: 64, outChannels: 64, kernelSize: 3, stride: 1, padding: 1, dilation: 1, size: 8, count: 3),
        Shape(name: "layer3 down 1x1 s2", inChannels: 32, outChannels: 64, kernelSize: 1, stride: 2, padding: 0, dilation: 1, size: 16, count: 1),
        Shape(name: "layer4 64->128 d2", inChannels: 64, outChannels: 128, kernelSize: 3, stride: 1, padding: 2, dilation: 2, size: 8, count: 1),
        Shape(name: "layer4 128->128 d2", inChannels: 128, outChannels: 128, kernelSize: 3, stride: 1, padding: 2, dilation: 2, size: 8, count: 3),
        Shape(name: "layer4 down 1x1", inChannels: 64, outChannels: 128, kernelSize: 1, stride: 1, padding: 0, dilation: 1, size: 8, count: 1),
        Shape(name: "ppm bin6 1x1", inChannels: 128, outChannels: 32, kernelSize: 1, stride: 1, padding: 0, dilation: 1, size: 6, count: 1),
        Shape(name: "head 256->64", inChannels: 256, outChannels: 64, kernelSize: 3, stride: 1, padding: 1, dilation: 1, size: 8, count: 1),
        Shape(name: "head cls 1x1", inChannels: 64, outChannels: classes, kernelSize: 1, stride: 1, padding: 0, dilation: 1, size: 8, count: 1),
        Shape(name: "aux 64->32", inChannels: 64, outChannels: 32, kernelSize: 3, stride: 1, padding: 1, dilation: 1, size: 8, count: 1),
    ]

    /// Measured rates of one shape, GFLOP/s.
    public struct Result: Sendable {
        public let shape: Shape
        public let forward, backwardData, backwardWeights: Double
    }

    /// One pass's rate over the whole network: its total convolution FLOPs over its total time, each
    /// shape counted as often as it runs (GFLOP/s).
    public static func weighted(_ results: [Result], batch: Int, _ rate: (Result) -> Double) -> Double {
        let flops = results.reduce(0.0) { $0 + $1.shape.flops(batch: batch) * Double($1.shape.count) }
        let seconds = results.reduce(0.0) { $0 + $1.shape.flops(batch: batch) * Double($1.shape.count) / (rate($1) * 1e9) }
        return flops / seconds / 1e9
    }

    /// Times the three passes of one shape; each rate is from the fastest of repeated runs.
    public static func measure(_ shape: Shape, batch: Int, backend: ConvolutionBackend, minSeconds: Double = 0.2) -> Result {
        var generator = SeededGenerator(seed: 1)
        let conv = Conv2d(inChannels: shape.inChannels, outChannels: shape.outChannels, kernelSize: shape.kernelSize,
                          stride: shape.stride, padding: shape.padding, dilation: shape.dilation, bias: false,
                          backend: backend, generator: &generator)
        var x = Tensor(shape: [batch, shape.inChannels, shape.size, shape.size])
        for i in 0..<x.count { x.data[i] = generator.nextNormal() }
        let y = conv.forward(x)
        var dy = Tensor(shape: y.shape)
        for i in 0..<dy.count { dy.data[i] = generator.nextNormal() }
        let flops = shape.flops(batch: batch)
        let forward = flops / fastest(minSeconds) { _ = conv.forward(x) }
        let data = flops / fastest(minSeconds) { _ = conv.inputGradient(dy) }
        let weights = flops / fastest(minSeconds) { conv.accumulateParameterGradients(dy) }
        return Result(shape: shape, forward: forward / 1e9, backwardData: data / 1e9, backwardWeights: weights / 1e9)
    }

    /// GFLOP/s of oneDNN's sgemm on an m x n x k product (fastest of repeated runs).
    public static func sgemmRate(m: Int, n: Int, k: Int, minSeconds: Double = 0.2) -> Double {
        var generator = SeededGenerator(seed: 2)
        let a = (0..<(m * k)).map { _ in generator.nextNormal() }
        let b = (0..<(k * n)).map { _ in generator.nextNormal() }
        var c = [Float](repeating: 0, count: m * n)
        let seconds = fastest(minSeconds) {
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        Compute.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: ap.start, lda: k,
                                      b: bp.start, ldb: n, beta: 0, c: cp.start, ldc: n)
                    }
                }
            }
        }
        return 2 * Double(m * n * k) / seconds / 1e9
    }

    /// The fastest wall time of `body` over repeated runs lasting at least `minSeconds` in all.
    static func fastest(_ minSeconds: Double, _ body: () -> Void) -> Double {
        body()  // warm-up: workspaces, JIT kernels
        var best = Double.infinity, total = 0.0, runs = 0
        while total < minSeconds || runs < 3 {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, elapsed)
            total += elapsed
            runs += 1
        }
        return best
    }
}
