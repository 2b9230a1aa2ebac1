/// Adaptive average pooling to an n x n output (PyTorch's `nn.AdaptiveAvgPool2d(n)`).
///
/// Bin i of n over a length L spans [floor(i*L/n), ceil((i+1)*L/n)); bins overlap when n does not
/// divide L (3 or 6 bins over 8), and each output is the mean of its window.
public final class AdaptiveAvgPool2d: Layer {
    public let outputSize: Int
    public var isTraining = true
    /// The input shape and layout of the last forward.
    private var inputShape: [Int] = []
    private var inputLayout: Tensor.Layout = .nchw

    public init(outputSize: Int) {
        precondition(outputSize > 0, "AdaptiveAvgPool2d output size must be positive")
        self.outputSize = outputSize
    }

    /// The half-open window [start, end) of bin `i` of `bins` over `length`.
    public static func window(_ i: Int, bins: Int, length: Int) -> Range<Int> {
        (i * length / bins)..<(((i + 1) * length + bins - 1) / bins)
    }

    /// x: [N, C, H, W] -> y: [N, C, n, n] in x's layout; each output sums its window row by row, as
    /// PyTorch does (a blocked layout computes the same sums: `BlockedKernels`).
    public func forward(_ x: Tensor) -> Tensor {
        let span = KernelProfiler.begin(.poolForward); defer { span.end() }
        let (n, c, h, w) = x.nchw
        let s = outputSize
        inputShape = x.shape
        inputLayout = x.layout
        if let block = x.layout.blockWidth {
            var y = Tensor(uninitializedShape: [n, c, s, s], layout: x.layout)
            x.data.withUnsafeBufferPointer { xp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    BlockedKernels.adaptiveAveragePool(xp.start, yp.start, n: n, c: c, h: h, w: w, bins: s, block: block)
                }
            }
            return y
        }
        let rowWindows = (0..<s).map { Self.window($0, bins: s, length: h) }
        let colWindows = (0..<s).map { Self.window($0, bins: s, length: w) }
        var y = Tensor(uninitializedShape: [n, c, s, s])
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                for plane in 0..<(n * c) {
                    let src = xp.start + plane * h * w
                    for (oh, rows) in rowWindows.enumerated() {
                        for (ow, cols) in colWindows.enumerated() {
                            var sum: Float = 0
                            for r in rows { for q in cols { sum += src[r * w + q] } }
                            yp[(plane * s + oh) * s + ow] = sum / Float(rows.count * cols.count)
                        }
                    }
                }
            }
        }
        return y
    }

    /// dy: [N, C, n, n] -> dx: [N, C, H, W] (the forward's layout), each output's gradient spread evenly
    /// over its window.
    public func backward(_ dy: Tensor) -> Tensor {
        let span = KernelProfiler.begin(.poolBackward); defer { span.end() }
        precondition(inputShape.count == 4, "AdaptiveAvgPool2d.backward called before forward")
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let s = outputSize
        precondition(dy.shape == [n, c, s, s], "AdaptiveAvgPool2d.backward: dy shape \(dy.shape) != \([n, c, s, s])")
        precondition(dy.layout == inputLayout, "AdaptiveAvgPool2d.backward: dy is \(dy.layout), the forward was \(inputLayout)")
        if let block = inputLayout.blockWidth {
            var dx = Tensor(uninitializedShape: inputShape, layout: inputLayout)
            dy.data.withUnsafeBufferPointer { dyp in
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    BlockedKernels.adaptiveAveragePoolBackward(dyp.start, dxp.start, n: n, c: c, h: h, w: w, bins: s, block: block)
                }
            }
            return dx
        }
        let rowWindows = (0..<s).map { Self.window($0, bins: s, length: h) }
        let colWindows = (0..<s).map { Self.window($0, bins: s, length: w) }
        var dx = Tensor(shape: inputShape)
        dy.data.withUnsafeBufferPointer { dyp in
            dx.data.withUnsafeMutableBufferPointer { dxp in
                for plane in 0..<(n * c) {
                    let dst = dxp.start + plane * h * w
                    for (oh, rows) in rowWindows.enumerated() {
                        for r in rows {
                            for (ow, cols) in colWindows.enumerated() {
                                let g = dyp[(plane * s + oh) * s + ow] / Float(rows.count * cols.count)
                                for q in cols { dst[r * w + q] += g }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
