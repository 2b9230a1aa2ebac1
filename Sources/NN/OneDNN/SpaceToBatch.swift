/// The space-to-batch form of a stride-1 dilated convolution, for its backward-weights.
///
/// With dilation d, output pixel (i, j) reads only input pixels congruent to it modulo d, so the
/// convolution splits into d*d undilated convolutions on the sub-images x[:, :, r::d, s::d] (padding
/// p/d), stacked along the batch. Backward-weights sums dy * x over every pixel of every image, so the
/// stacked problem gives the same dW and db (in another float order).
///
/// Used where oneDNN has no fast dilated kernel: oneDNN 2.6's AVX2 backward-weights has no dilation and
/// falls back to gemm at about half the speed of its undilated JIT kernel (BENCHMARKS.md, issue 11).
struct SpaceToBatch {
    /// d: the dilation of the original convolution.
    let factor: Int
    /// The undilated convolution on the sub-images (padding p/d).
    let geometry: ConvGeometry
    /// The stacked input [d*d*N, C, H/d, W/d] and output [d*d*N, outC, outH/d, outW/d].
    let input, output: [Int]

    /// The form of `g` on `input`, or nil when it has none: the convolution must be dilated with
    /// stride 1, and the padding, height and width must be multiples of the dilation.
    init?(geometry g: ConvGeometry, input x: [Int]) {
        let d = g.dilation
        guard d > 1, g.stride == 1, g.padding % d == 0, x[2] % d == 0, x[3] % d == 0 else { return nil }
        factor = d
        geometry = ConvGeometry(inChannels: g.inChannels, outChannels: g.outChannels, kernelSize: g.kernelSize,
                                stride: 1, padding: g.padding / d, dilation: 1)
        input = [x[0] * d * d, x[1], x[2] / d, x[3] / d]
        output = geometry.outputShape(input: input)
        precondition(output[2] * d == g.outputSize(x[2]) && output[3] * d == g.outputSize(x[3]),
                     "SpaceToBatch: the sub-images' outputs do not tile the dilated output")
    }

    /// x [N, C, H, W] -> y [d*d*N, C, H/d, W/d], both in a layout of block width `blockWidth` (1 for
    /// NCHW): batch (r*d + s)*N + n of y is x[n, :, r::d, s::d].
    static func gather(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, shape: [Int], factor d: Int,
                       blockWidth b: Int) {
        let (n, blocks, h, w) = (shape[0], shape[1] / b, shape[2], shape[3])
        precondition(shape[1] % b == 0 && h % d == 0 && w % d == 0, "SpaceToBatch.gather: shape \(shape) for factor \(d), block \(b)")
        let (subH, subW) = (h / d, w / d)
        var target = y
        for r in 0..<d {
            for s in 0..<d {
                for image in 0..<n {
                    for block in 0..<blocks {
                        let plane = x + (image * blocks + block) * h * w * b
                        for row in 0..<subH {
                            let line = plane + ((row * d + r) * w + s) * b
                            for column in 0..<subW {
                                target.update(from: line + column * d * b, count: b)
                                target += b
                            }
                        }
                    }
                }
            }
        }
    }
}
