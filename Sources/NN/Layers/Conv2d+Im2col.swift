/// The im2col + sgemm path of `Conv2d`: the first implementation, kept as a second backend that
/// the tests hold to the same parity as the primitives and the benchmark compares against them.
extension Conv2d {
    /// Forward by GEMM, per image n:
    /// y[n] [outC, outH*outW] = W [outC, inC*k*k] . col(x[n]) [inC*k*k, outH*outW] + b
    func forwardIm2col(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = x.nchw
        let g = geometry
        let outH = g.outputSize(h), outW = g.outputSize(w)
        let pixels = outH * outW
        var y = Tensor(shape: [n, g.outChannels, outH, outW])
        reserveWorkspace(pixels: pixels)
        x.data.withUnsafeBufferPointer { xp in
            weight.value.data.withUnsafeBufferPointer { wp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    workspace.withUnsafeMutableBufferPointer { colp in
                        for i in 0..<n {
                            let image = xp.start + i * c * h * w
                            let col = g.patches(of: image, h: h, w: w, scratch: colp.start)
                            Compute.sgemm(transA: false, transB: false, m: g.outChannels, n: pixels, k: g.patchSize,
                                          alpha: 1, a: wp.start, lda: g.patchSize, b: col, ldb: pixels,
                                          beta: 0, c: yp.start + i * g.outChannels * pixels, ldc: pixels)
                        }
                    }
                }
            }
        }
        if let bias {
            bias.value.data.withUnsafeBufferPointer { bp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    for i in 0..<n {
                        for o in 0..<g.outChannels {
                            let plane = yp.start + (i * g.outChannels + o) * pixels
                            let b = bp[o]
                            for p in 0..<pixels { plane[p] += b }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Backward-weights: dW [outC, inC*k*k] += dy[n] [outC, pixels] . col(x[n])^T [pixels, inC*k*k]
    /// for each image n, and db [outC] += dy summed over images and pixels.
    func accumulateParameterGradientsIm2col(_ dy: Tensor, input x: Tensor) {
        let (n, c, h, w) = x.nchw
        let g = geometry
        let pixels = g.outputSize(h) * g.outputSize(w)
        reserveWorkspace(pixels: pixels)
        x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
                weight.grad.data.withUnsafeMutableBufferPointer { dwp in
                    workspace.withUnsafeMutableBufferPointer { colp in
                        for i in 0..<n {
                            let image = xp.start + i * c * h * w
                            let col = g.patches(of: image, h: h, w: w, scratch: colp.start)
                            Compute.sgemm(transA: false, transB: true, m: g.outChannels, n: g.patchSize, k: pixels,
                                          alpha: 1, a: dyp.start + i * g.outChannels * pixels, lda: pixels,
                                          b: col, ldb: pixels, beta: 1, c: dwp.start, ldc: g.patchSize)
                        }
                    }
                }
            }
        }
        if let bias {
            dy.data.withUnsafeBufferPointer { dyp in
                bias.grad.data.withUnsafeMutableBufferPointer { dbp in
                    for i in 0..<n {
                        for o in 0..<g.outChannels {
                            let plane = dyp.start + (i * g.outChannels + o) * pixels
                            var s: Float = 0
                            for p in 0..<pixels { s += plane[p] }
                            dbp[o] += s
                        }
                    }
                }
            }
        }
    }

    /// Backward-data: dx[n] = col2im(W^T [inC*k*k, outC] . dy[n] [outC, pixels]) for each image n.
    func inputGradientIm2col(_ dy: Tensor, input x: Tensor) -> Tensor {
        let (n, c, h, w) = x.nchw
        let g = geometry
        let pixels = g.outputSize(h) * g.outputSize(w)
        var dx = Tensor(shape: x.shape)
        reserveWorkspace(pixels: pixels)
        dy.data.withUnsafeBufferPointer { dyp in
            weight.value.data.withUnsafeBufferPointer { wp in
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    workspace.withUnsafeMutableBufferPointer { dcolp in
                        for i in 0..<n {
                            let dImage = dxp.start + i * c * h * w
                            let dcol = g.isPointwise ? dImage : dcolp.start
                            Compute.sgemm(transA: true, transB: false, m: g.patchSize, n: pixels, k: g.outChannels,
                                          alpha: 1, a: wp.start, lda: g.patchSize,
                                          b: dyp.start + i * g.outChannels * pixels, ldb: pixels,
                                          beta: 0, c: dcol, ldc: pixels)
                            if !g.isPointwise { g.col2im(dcol, h: h, w: w, into: dImage) }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// Grows the patch-matrix scratch to hold one image's patches (no scratch for pointwise layers).
    func reserveWorkspace(pixels: Int) {
        if !geometry.isPointwise && workspace.count < geometry.patchSize * pixels {
            workspace = [Float](repeating: 0, count: geometry.patchSize * pixels)
        }
    }
}

extension ConvGeometry {
    /// One image's patch matrix [inC*k*k, outH*outW]: the image itself for a pointwise convolution,
    /// else its im2col unfolding written into `scratch`.
    func patches(of image: UnsafePointer<Float>, h: Int, w: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        guard !isPointwise else { return image }
        im2col(image, h: h, w: w, into: scratch)
        return UnsafePointer(scratch)
    }
}
