/// Batch normalisation over N, H, W per channel (PyTorch's `nn.BatchNorm2d`, affine, tracking stats).
///
/// Training: y = gamma * (x - mean) / sqrt(var + eps) + beta with the batch mean and biased batch
/// variance; running_mean/var move by `momentum` towards the batch mean and the *unbiased* batch
/// variance. Evaluation: the running statistics replace the batch's.
/// Backward (training), per channel over its m = N*H*W values, with xhat the normalised input:
///   dgamma += sum(dy * xhat);  dbeta += sum(dy);
///   dx = gamma * invstd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)).
/// With `fusedReLU` the layer is BatchNorm2d followed by ReLU in one pass each way (the same values
/// as the two layers: max(y, 0) forward, dy masked where that output is not positive backward).
public final class BatchNorm2d: Layer {
    public let channels: Int
    /// Whether a ReLU follows in the same pass.
    public let fusedReLU: Bool
    public let eps: Float
    public let momentum: Float
    /// gamma: [C], initialised to 1.
    public let weight: Parameter
    /// beta: [C], initialised to 0.
    public let bias: Parameter
    /// [C], initialised to 0.
    public var runningMean: Tensor {
        didSet { statisticsVersion &+= 1 }
    }
    /// [C], initialised to 1.
    public var runningVar: Tensor {
        didSet { statisticsVersion &+= 1 }
    }
    /// Counts the changes of the running statistics (as `Parameter.version` counts a value's).
    public private(set) var statisticsVersion = 0
    public var isTraining = true

    /// What backward needs from the last forward: its input, the normalised input (training only;
    /// evaluation recomputes it from the input when backward asks) and 1/sqrt(var + eps) per channel.
    var input: Tensor?
    var xhat: Tensor?
    /// The output of the last forward, when the ReLU is fused (its mask gates dy).
    var output: Tensor?
    var mean: [Float] = []
    var invStd: [Float] = []
    var forwardWasTraining = true

    public init(channels: Int, eps: Float = 1e-5, momentum: Float = 0.1, fusedReLU: Bool = false) {
        precondition(channels > 0, "BatchNorm2d needs at least one channel")
        self.channels = channels
        self.fusedReLU = fusedReLU
        self.eps = eps
        self.momentum = momentum
        weight = Parameter(Tensor(shape: [channels], repeating: 1))
        bias = Parameter(Tensor(shape: [channels], repeating: 0))
        runningMean = Tensor(shape: [channels], repeating: 0)
        runningVar = Tensor(shape: [channels], repeating: 1)
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// x: [N, C, H, W] -> y: [N, C, H, W]
    public func forward(_ x: Tensor) -> Tensor {
        // A blocked plane the chunked kernels do not take (an odd nChw8c plane) runs in NCHW.
        if x.layout != .nchw && !Self.chunksFit(x) { return forward(x.converted(to: .nchw)).converted(to: x.layout) }
        let span = KernelProfiler.begin(.batchNormForward); defer { span.end() }
        let (n, c, h, w) = x.nchw
        precondition(c == channels, "BatchNorm2d expects \(channels) channels, got \(c)")
        let plane = h * w, m = n * plane
        precondition(!isTraining || m > 1, "BatchNorm2d in training needs more than one value per channel, got \(x.shape)")
        if x.layout != .nchw { return forwardBlocked(x) }
        var y = Tensor(uninitializedShape: x.shape)
        var xhat = isTraining ? Tensor(uninitializedShape: x.shape) : Tensor(shape: [0])
        mean = [Float](repeating: 0, count: c)
        invStd = [Float](repeating: 0, count: c)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                xhat.data.withUnsafeMutableBufferPointer { hp in
                    for ch in 0..<c {
                        let planes = (0..<n).map { i in (i * c + ch) * plane }
                        if isTraining {
                            // Two passes, lanes in float and planes in double: exact enough for
                            // inputs with a large mean.
                            let mu = planes.reduce(0.0) { $0 + Vectorized.sum(xp.start + $1, count: plane) } / Double(m)
                            let sq = planes.reduce(0.0) { $0 + Vectorized.centredSums(xp.start + $1, shift: Float(mu), count: plane) }
                            recordBatchStatistics(channel: ch, mean: mu, centredSquares: sq, count: m)
                        } else {
                            useRunningStatistics(channel: ch)
                        }
                        let mu = mean[ch], inv = invStd[ch]
                        let gamma = weight.value.data[ch], beta = bias.value.data[ch]
                        for o in planes {
                            // xhat = (x - mean) * inv;  y = gamma * xhat + beta
                            if isTraining {
                                Vectorized.normalize(xp.start + o, mean: mu, invStd: inv, gamma: gamma, beta: beta,
                                                     xhat: hp.start + o, y: yp.start + o, count: plane, relu: fusedReLU)
                            } else {
                                Vectorized.normalize(xp.start + o, mean: mu, invStd: inv, gamma: gamma, beta: beta,
                                                     xhat: nil, y: yp.start + o, count: plane, relu: fusedReLU)
                            }
                        }
                    }
                }
            }
        }
        input = x
        self.xhat = isTraining ? xhat : nil
        output = fusedReLU ? y : nil
        forwardWasTraining = isTraining
        return y
    }

    /// dy: [N, C, H, W] -> dx: [N, C, H, W]; adds into weight.grad and bias.grad.
    public func backward(_ dy: Tensor) -> Tensor {
        // A blocked plane the chunked kernels do not take ran forward in NCHW (see `forward`).
        if dy.layout != .nchw && !Self.chunksFit(dy) { return backward(dy.converted(to: .nchw)).converted(to: dy.layout) }
        let span = KernelProfiler.begin(.batchNormBackward); defer { span.end() }
        guard let input else { preconditionFailure("BatchNorm2d.backward called before forward") }
        precondition(dy.shape == input.shape, "BatchNorm2d.backward: dy shape \(dy.shape) != \(input.shape)")
        let (n, c, h, w) = dy.nchw
        let plane = h * w, m = n * plane
        precondition(dy.layout == input.layout, "BatchNorm2d.backward: dy is \(dy.layout), the input was \(input.layout)")
        if dy.layout != .nchw { return backwardBlocked(dy, input: input) }
        let xhat = self.xhat ?? normalizedInput(input)
        var dx = Tensor(uninitializedShape: dy.shape)
        // Without a fused ReLU the mask is dy itself: "dy where dy" is dy (the kernels skip it).
        let mask = output ?? dy
        dy.data.withUnsafeBufferPointer { dyp in
            xhat.data.withUnsafeBufferPointer { hp in
                mask.data.withUnsafeBufferPointer { mp in
                    dx.data.withUnsafeMutableBufferPointer { dxp in
                        for ch in 0..<c {
                            let planes = (0..<n).map { i in (i * c + ch) * plane }
                            var sumDy = 0.0, sumDyXhat = 0.0
                            for o in planes {
                                let (s, d) = Vectorized.sumAndDot(dyp.start + o, hp.start + o, positiveIn: fusedReLU ? mp.start + o : nil,
                                                                  count: plane)
                                sumDy += s
                                sumDyXhat += d
                            }
                            weight.grad.data[ch] += Float(sumDyXhat)
                            bias.grad.data[ch] += Float(sumDy)
                            let scale = weight.value.data[ch] * invStd[ch]
                            let meanDy = Float(sumDy / Double(m)), meanDyXhat = Float(sumDyXhat / Double(m))
                            for o in planes {
                                Vectorized.batchNormBackward(dyp.start + o, xhat: hp.start + o, positiveIn: fusedReLU ? mp.start + o : nil,
                                                             into: dxp.start + o, count: plane, scale: scale,
                                                             meanDy: forwardWasTraining ? meanDy : nil, meanDyXhat: meanDyXhat)
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// Sets a channel's normalisation from a training batch (mean, and the sum of squared deviations
    /// from it over m values) and moves the running statistics towards it (unbiased variance).
    func recordBatchStatistics(channel ch: Int, mean mu: Double, centredSquares sq: Double, count m: Int) {
        mean[ch] = Float(mu)
        invStd[ch] = 1 / (Float(sq / Double(m)) + eps).squareRoot()
        runningMean.data[ch] = (1 - momentum) * runningMean.data[ch] + momentum * mean[ch]
        runningVar.data[ch] = (1 - momentum) * runningVar.data[ch] + momentum * Float(sq / Double(m - 1))
    }

    /// Sets a channel's normalisation from the running statistics (evaluation).
    func useRunningStatistics(channel ch: Int) {
        mean[ch] = runningMean.data[ch]
        invStd[ch] = evaluationInverseStd(ch)
    }

    /// 1/sqrt(running_var + eps) of a channel: what evaluation normalises by.
    @inline(__always)
    func evaluationInverseStd(_ channel: Int) -> Float {
        1 / (runningVar.data[channel] + eps).squareRoot()
    }

    /// (x - mean) * invStd with the last forward's statistics.
    private func normalizedInput(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = x.nchw
        let plane = h * w
        var xhat = Tensor(uninitializedShape: x.shape)
        x.data.withUnsafeBufferPointer { xp in
            xhat.data.withUnsafeMutableBufferPointer { hp in
                for i in 0..<n {
                    for ch in 0..<c {
                        let o = (i * c + ch) * plane, mu = mean[ch], inv = invStd[ch]
                        Vectorized.map(xp.start + o, into: hp.start + o, count: plane,
                                       { ($0 - mu) * inv }, { ($0 - mu) * inv })
                    }
                }
            }
        }
        return xhat
    }
}
