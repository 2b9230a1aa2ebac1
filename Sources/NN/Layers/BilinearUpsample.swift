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
    private var inputShape: [Int] = []

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

    /// x: [N, C, H, W] -> y: [N, C, outH, outW]
    public func forward(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = x.nchw
        inputShape = x.shape
        let rows = Self.taps(input: h, output: outputHeight), cols = Self.taps(input: w, output: outputWidth)
        var y = Tensor(shape: [n, c, outputHeight, outputWidth])
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                for plane in 0..<(n * c) {
                    let src = xp.start + plane * h * w
                    let dst = yp.start + plane * outputHeight * outputWidth
                    for (oh, r) in rows.enumerated() {
                        let top = src + r.i0 * w, bottom = src + r.i1 * w
                        for (ow, q) in cols.enumerated() {
                            dst[oh * outputWidth + ow] =
                                r.w0 * (q.w0 * top[q.i0] + q.w1 * top[q.i1])
                                + r.w1 * (q.w0 * bottom[q.i0] + q.w1 * bottom[q.i1])
                        }
                    }
                }
            }
        }
        return y
    }

    /// dy: [N, C, outH, outW] -> dx: [N, C, H, W]
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(inputShape.count == 4, "BilinearUpsample.backward called before forward")
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        precondition(dy.shape == [n, c, outputHeight, outputWidth],
                     "BilinearUpsample.backward: dy shape \(dy.shape) != \([n, c, outputHeight, outputWidth])")
        let rows = Self.taps(input: h, output: outputHeight), cols = Self.taps(input: w, output: outputWidth)
        var dx = Tensor(shape: inputShape)
        dy.data.withUnsafeBufferPointer { dyp in
            dx.data.withUnsafeMutableBufferPointer { dxp in
                for plane in 0..<(n * c) {
                    let src = dyp.start + plane * outputHeight * outputWidth
                    let dst = dxp.start + plane * h * w
                    for (oh, r) in rows.enumerated() {
                        let top = dst + r.i0 * w, bottom = dst + r.i1 * w
                        for (ow, q) in cols.enumerated() {
                            let g = src[oh * outputWidth + ow]
                            top[q.i0] += r.w0 * q.w0 * g
                            top[q.i1] += r.w0 * q.w1 * g
                            bottom[q.i0] += r.w1 * q.w0 * g
                            bottom[q.i1] += r.w1 * q.w1 * g
                        }
                    }
                }
            }
        }
        return dx
    }
}
