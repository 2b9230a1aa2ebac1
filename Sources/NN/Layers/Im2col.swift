/// Unfolding an image into convolution patches (im2col) and folding patch gradients back (col2im).

extension ConvGeometry {
    /// Unfolds one image into its patch matrix.
    ///
    /// x: [inChannels, h, w] -> col: [inChannels * k * k, outH * outW]; row (c, ki, kj), column
    /// (oh, ow) holds x[c, oh*stride - padding + ki*dilation, ow*stride - padding + kj*dilation], or 0
    /// outside the image.
    func im2col(_ x: UnsafePointer<Float>, h: Int, w: Int, into col: UnsafeMutablePointer<Float>) {
        let outH = outputSize(h), outW = outputSize(w)
        var row = col
        for c in 0..<inChannels {
            let plane = x + c * h * w
            for ki in 0..<kernelSize {
                for kj in 0..<kernelSize {
                    for oh in 0..<outH {
                        let ih = oh * stride - padding + ki * dilation
                        let out = row + oh * outW
                        if ih < 0 || ih >= h {
                            out.update(repeating: 0, count: outW)
                            continue
                        }
                        let src = plane + ih * w
                        var iw = kj * dilation - padding
                        for ow in 0..<outW {
                            out[ow] = (iw >= 0 && iw < w) ? src[iw] : 0
                            iw += stride
                        }
                    }
                    row += outH * outW
                }
            }
        }
    }

    /// Adds a patch-matrix gradient back into one image's gradient (the adjoint of `im2col`).
    ///
    /// dcol: [inChannels * k * k, outH * outW] -> dx: [inChannels, h, w] (accumulated).
    func col2im(_ dcol: UnsafePointer<Float>, h: Int, w: Int, into dx: UnsafeMutablePointer<Float>) {
        let outH = outputSize(h), outW = outputSize(w)
        var row = dcol
        for c in 0..<inChannels {
            let plane = dx + c * h * w
            for ki in 0..<kernelSize {
                for kj in 0..<kernelSize {
                    for oh in 0..<outH {
                        let ih = oh * stride - padding + ki * dilation
                        if ih < 0 || ih >= h { continue }
                        let src = row + oh * outW
                        let dst = plane + ih * w
                        var iw = kj * dilation - padding
                        for ow in 0..<outW {
                            if iw >= 0 && iw < w { dst[iw] += src[ow] }
                            iw += stride
                        }
                    }
                    row += outH * outW
                }
            }
        }
    }
}
