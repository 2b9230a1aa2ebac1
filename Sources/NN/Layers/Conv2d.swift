/// 2-D convolution (PyTorch's `nn.Conv2d`, square kernel, groups 1) by im2col and oneDNN's sgemm.
///
/// Forward, per image n:   y[n] [outC, outH*outW] = W [outC, inC*k*k] . col(x[n]) [inC*k*k, outH*outW] + b
/// Backward, per image n:  dW += dy[n] . col(x[n])^T;  db += sum over pixels of dy[n];
///                         dx[n] = col2im(W^T . dy[n]).
/// A 1x1, stride-1, unpadded convolution uses the image itself as the patch matrix.
public final class Conv2d: Layer {
    public let geometry: ConvGeometry
    /// [outChannels, inChannels, k, k]
    public let weight: Parameter
    /// [outChannels], or nil for a convolution without bias.
    public let bias: Parameter?
    public var isTraining = true

    /// The input of the last forward: backward needs it for the weight gradient.
    private var input: Tensor?
    /// Patch matrix scratch space, reused across calls.
    private var workspace: [Float] = []
    /// Multiply-adds of the last forward (for throughput reports).
    public private(set) var lastForwardMultiplyAdds = 0

    /// A convolution initialised as PyTorch initialises `nn.Conv2d` (kaiming-uniform, a = sqrt(5)).
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, bias: Bool = true, generator: inout SeededGenerator) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && dilation > 0 && padding >= 0,
                     "Conv2d needs positive channels, kernel, stride, dilation and non-negative padding")
        geometry = ConvGeometry(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize,
                                stride: stride, padding: padding, dilation: dilation)
        weight = Parameter(Initialization.convWeight(
            shape: [outChannels, inChannels, kernelSize, kernelSize], using: &generator))
        self.bias = bias
            ? Parameter(Initialization.convBias(count: outChannels, fanIn: geometry.patchSize, using: &generator))
            : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// x: [N, inC, H, W] -> y: [N, outC, outH, outW]
    public func forward(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = x.nchw
        let g = geometry
        precondition(c == g.inChannels, "Conv2d expects \(g.inChannels) input channels, got \(c)")
        let outH = g.outputSize(h), outW = g.outputSize(w)
        precondition(outH > 0 && outW > 0, "Conv2d input \(h)x\(w) is too small for its kernel")
        let pixels = outH * outW
        var y = Tensor(shape: [n, g.outChannels, outH, outW])
        if !g.isPointwise && workspace.count < g.patchSize * pixels {
            workspace = [Float](repeating: 0, count: g.patchSize * pixels)
        }
        x.data.withUnsafeBufferPointer { xp in
            weight.value.data.withUnsafeBufferPointer { wp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    workspace.withUnsafeMutableBufferPointer { colp in
                        for i in 0..<n {
                            let image = xp.start + i * c * h * w
                            let col: UnsafePointer<Float>
                            if g.isPointwise {
                                col = image
                            } else {
                                g.im2col(image, h: h, w: w, into: colp.start)
                                col = UnsafePointer(colp.start)
                            }
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
        input = x
        lastForwardMultiplyAdds = n * g.outChannels * pixels * g.patchSize
        return y
    }

    /// dy: [N, outC, outH, outW] -> dx: [N, inC, H, W]; adds into weight.grad and bias.grad.
    public func backward(_ dy: Tensor) -> Tensor {
        accumulateParameterGradients(dy)
        return inputGradient(dy)
    }

    /// The input of the last forward, checked against `dy`'s shape.
    private func cachedInput(matching dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("Conv2d.backward called before forward") }
        let (n, _, h, w) = x.nchw
        let expected = [n, geometry.outChannels, geometry.outputSize(h), geometry.outputSize(w)]
        precondition(dy.shape == expected, "Conv2d.backward: dy shape \(dy.shape) != output shape \(expected)")
        return x
    }

    /// Backward-weights: dW [outC, inC*k*k] += dy[n] [outC, pixels] . col(x[n])^T [pixels, inC*k*k]
    /// for each image n, and db [outC] += dy summed over images and pixels.
    public func accumulateParameterGradients(_ dy: Tensor) {
        let x = cachedInput(matching: dy)
        let (n, c, h, w) = x.nchw
        let g = geometry
        let pixels = g.outputSize(h) * g.outputSize(w)
        if !g.isPointwise && workspace.count < g.patchSize * pixels {
            workspace = [Float](repeating: 0, count: g.patchSize * pixels)
        }
        x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
                weight.grad.data.withUnsafeMutableBufferPointer { dwp in
                    workspace.withUnsafeMutableBufferPointer { colp in
                        for i in 0..<n {
                            let image = xp.start + i * c * h * w
                            let col: UnsafePointer<Float>
                            if g.isPointwise {
                                col = image
                            } else {
                                g.im2col(image, h: h, w: w, into: colp.start)
                                col = UnsafePointer(colp.start)
                            }
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
    public func inputGradient(_ dy: Tensor) -> Tensor {
        let x = cachedInput(matching: dy)
        let (n, c, h, w) = x.nchw
        let g = geometry
        let pixels = g.outputSize(h) * g.outputSize(w)
        var dx = Tensor(shape: x.shape)
        if !g.isPointwise && workspace.count < g.patchSize * pixels {
            workspace = [Float](repeating: 0, count: g.patchSize * pixels)
        }
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
}
