/// Bilinear resizing to a fixed output size with `align_corners=True` (PyTorch's
/// `F.interpolate(x, size, mode="bilinear", align_corners=True)`).
///
/// Output row i samples input row i * (H-1)/(outH-1) (0 when outH is 1): the corner pixels of input
/// and output coincide. Each output blends the two nearest rows and columns; backward scatters dy back
/// with the same weights.
public final class BilinearUpsample: Layer {
    public let outputHeight: Int
    public let outputWidth: Int
    public var isTraining = true
    /// The input shape and layout of the last forward.
    private var inputShape: [Int] = []
    private var inputLayout: Tensor.Layout = .nchw

    public init(outputHeight: Int, outputWidth: Int) {
        precondition(outputHeight > 0 && outputWidth > 0, "BilinearUpsample output size must be positive")
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
    }

    /// One output coordinate's two source indices and their weights.
    struct Tap { let i0: Int, i1: Int, w0: Float, w1: Float }

    /// The taps for every output index along one axis, as PyTorch computes them (in float).
    static func taps(input: Int, output: Int) -> [Tap] {
        let scale: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
        return (0..<output).map { o in
            let source = scale * Float(o)
            let i0 = min(Int(source), input - 1)
            let lambda = min(max(source - Float(i0), 0), 1)
            return Tap(i0: i0, i1: i0 + (i0 < input - 1 ? 1 : 0), w0: 1 - lambda, w1: lambda)
        }
    }

    /// x: [N, C, H, W] -> y: [N, C, outH, outW] in x's layout
    ///
    /// Per plane, columns first: each input row is resampled to the output width (the `rowW` scratch,
    /// [H, outW]); each output row then blends two of those rows, 16 columns at a time. The products
    /// and sums are the ones of the direct formula, in the same order (also in a blocked layout:
    /// `BlockedKernels`).
    public func forward(_ x: Tensor) -> Tensor {
        let span = KernelProfiler.begin(.upsampleForward); defer { span.end() }
        let (n, c, h, w) = x.nchw
        inputShape = x.shape
        inputLayout = x.layout
        let outW = outputWidth
        if let block = x.layout.blockWidth {
            var y = Tensor(uninitializedShape: [n, c, outputHeight, outW], layout: x.layout)
            x.data.withUnsafeBufferPointer { xp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    BlockedKernels.bilinearUpsample(xp.start, yp.start, n: n, c: c, h: h, w: w, outH: outputHeight, outW: outW, block: block)
                }
            }
            return y
        }
        let rows = Self.taps(input: h, output: outputHeight), cols = Self.taps(input: w, output: outputWidth)
        var y = Tensor(uninitializedShape: [n, c, outputHeight, outW])
        var rowW = [Float](repeating: 0, count: h * outW)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                rowW.withUnsafeMutableBufferPointer { sp in
                    for plane in 0..<(n * c) {
                        let src = xp.start + plane * h * w
                        for r in 0..<h {
                            let row = src + r * w, out = sp.start + r * outW
                            for (ow, q) in cols.enumerated() { out[ow] = q.w0 * row[q.i0] + q.w1 * row[q.i1] }
                        }
                        let dst = yp.start + plane * outputHeight * outW
                        for (oh, r) in rows.enumerated() {
                            Vectorized.blend(dst + oh * outW, sp.start + r.i0 * outW, r.w0, sp.start + r.i1 * outW, r.w1, count: outW)
                        }
                    }
                }
            }
        }
        return y
    }

    /// dy: [N, C, outH, outW] -> dx: [N, C, H, W] (the forward's layout)
    ///
    /// The transpose of forward: rows first (each output row's gradient added into the two input
    /// rows it blends, at output width, 16 columns at a time), then columns (scattered to the two
    /// input columns of each output column).
    public func backward(_ dy: Tensor) -> Tensor {
        let span = KernelProfiler.begin(.upsampleBackward); defer { span.end() }
        precondition(inputShape.count == 4, "BilinearUpsample.backward called before forward")
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        precondition(dy.shape == [n, c, outputHeight, outputWidth],
                     "BilinearUpsample.backward: dy shape \(dy.shape) != \([n, c, outputHeight, outputWidth])")
        precondition(dy.layout == inputLayout, "BilinearUpsample.backward: dy is \(dy.layout), the forward was \(inputLayout)")
        if let block = inputLayout.blockWidth {
            var dx = Tensor(uninitializedShape: inputShape, layout: inputLayout)
            dy.data.withUnsafeBufferPointer { dyp in
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    BlockedKernels.bilinearUpsampleBackward(dyp.start, dxp.start, n: n, c: c, h: h, w: w,
                                                           outH: outputHeight, outW: outputWidth, block: block)
                }
            }
            return dx
        }
        let rows = Self.taps(input: h, output: outputHeight), cols = Self.taps(input: w, output: outputWidth)
        let outW = outputWidth
        var dx = Tensor(shape: inputShape)
        var rowGrad = [Float](repeating: 0, count: h * outW)
        dy.data.withUnsafeBufferPointer { dyp in
            dx.data.withUnsafeMutableBufferPointer { dxp in
                rowGrad.withUnsafeMutableBufferPointer { gp in
                    for plane in 0..<(n * c) {
                        gp.update(repeating: 0)
                        let src = dyp.start + plane * outputHeight * outW
                        for (oh, r) in rows.enumerated() {
                            Vectorized.addScaled(gp.start + r.i0 * outW, src + oh * outW, r.w0, count: outW)
                            Vectorized.addScaled(gp.start + r.i1 * outW, src + oh * outW, r.w1, count: outW)
                        }
                        let dst = dxp.start + plane * h * w
                        for r in 0..<h {
                            let g = gp.start + r * outW, out = dst + r * w
                            for (ow, q) in cols.enumerated() {
                                out[q.i0] += q.w0 * g[ow]
                                out[q.i1] += q.w1 * g[ow]
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
