/// Batch normalisation over N, H, W per channel (PyTorch's `nn.BatchNorm2d`, affine, tracking stats).
///
/// Training: y = gamma * (x - mean) / sqrt(var + eps) + beta with the batch mean and biased batch
/// variance; running_mean/var move by `momentum` towards the batch mean and the *unbiased* batch
/// variance. Evaluation: the running statistics replace the batch's.
/// Backward (training), per channel over its m = N*H*W values, with xhat the normalised input:
///   dgamma += sum(dy * xhat);  dbeta += sum(dy);
///   dx = gamma * invstd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)).
public final class BatchNorm2d: Layer {
    public let channels: Int
    public let eps: Float
    public let momentum: Float
    /// gamma: [C], initialised to 1.
    public let weight: Parameter
    /// beta: [C], initialised to 0.
    public let bias: Parameter
    /// [C], initialised to 0.
    public var runningMean: Tensor
    /// [C], initialised to 1.
    public var runningVar: Tensor
    public var isTraining = true

    /// What backward needs from the last forward: the normalised input and 1/sqrt(var + eps) per channel.
    private var xhat: Tensor?
    private var invStd: [Float] = []
    private var forwardWasTraining = true

    public init(channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        precondition(channels > 0, "BatchNorm2d needs at least one channel")
        self.channels = channels
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
        let (n, c, h, w) = x.nchw
        precondition(c == channels, "BatchNorm2d expects \(channels) channels, got \(c)")
        let plane = h * w, m = n * plane
        precondition(!isTraining || m > 1, "BatchNorm2d in training needs more than one value per channel, got \(x.shape)")
        var xhat = Tensor(shape: x.shape)
        var y = Tensor(shape: x.shape)
        invStd = [Float](repeating: 0, count: c)
        x.data.withUnsafeBufferPointer { xp in
            xhat.data.withUnsafeMutableBufferPointer { hp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    for ch in 0..<c {
                        let mean: Float, variance: Float
                        if isTraining {
                            // Two passes in double precision: exact enough for inputs with a large mean.
                            var sum = 0.0
                            for i in 0..<n { let p = xp.start + (i * c + ch) * plane; for j in 0..<plane { sum += Double(p[j]) } }
                            let mu = sum / Double(m)
                            var sq = 0.0
                            for i in 0..<n { let p = xp.start + (i * c + ch) * plane; for j in 0..<plane { let d = Double(p[j]) - mu; sq += d * d } }
                            mean = Float(mu)
                            variance = Float(sq / Double(m))
                            runningMean.data[ch] = (1 - momentum) * runningMean.data[ch] + momentum * mean
                            runningVar.data[ch] = (1 - momentum) * runningVar.data[ch]
                                + momentum * Float(sq / Double(m - 1))
                        } else {
                            mean = runningMean.data[ch]
                            variance = runningVar.data[ch]
                        }
                        let inv = 1 / (variance + eps).squareRoot()
                        invStd[ch] = inv
                        let gamma = weight.value.data[ch], beta = bias.value.data[ch]
                        for i in 0..<n {
                            let o = (i * c + ch) * plane
                            for j in 0..<plane {
                                let v = (xp[o + j] - mean) * inv
                                hp[o + j] = v
                                yp[o + j] = gamma * v + beta
                            }
                        }
                    }
                }
            }
        }
        self.xhat = xhat
        forwardWasTraining = isTraining
        return y
    }

    /// dy: [N, C, H, W] -> dx: [N, C, H, W]; adds into weight.grad and bias.grad.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let xhat else { preconditionFailure("BatchNorm2d.backward called before forward") }
        precondition(dy.shape == xhat.shape, "BatchNorm2d.backward: dy shape \(dy.shape) != \(xhat.shape)")
        let (n, c, h, w) = dy.nchw
        let plane = h * w, m = n * plane
        var dx = Tensor(shape: dy.shape)
        dy.data.withUnsafeBufferPointer { dyp in
            xhat.data.withUnsafeBufferPointer { hp in
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    for ch in 0..<c {
                        var sumDy = 0.0, sumDyXhat = 0.0
                        for i in 0..<n {
                            let o = (i * c + ch) * plane
                            for j in 0..<plane {
                                sumDy += Double(dyp[o + j])
                                sumDyXhat += Double(dyp[o + j]) * Double(hp[o + j])
                            }
                        }
                        weight.grad.data[ch] += Float(sumDyXhat)
                        bias.grad.data[ch] += Float(sumDy)
                        let scale = weight.value.data[ch] * invStd[ch]
                        if forwardWasTraining {
                            let meanDy = Float(sumDy / Double(m)), meanDyXhat = Float(sumDyXhat / Double(m))
                            for i in 0..<n {
                                let o = (i * c + ch) * plane
                                for j in 0..<plane {
                                    dxp[o + j] = scale * (dyp[o + j] - meanDy - hp[o + j] * meanDyXhat)
                                }
                            }
                        } else {
                            for i in 0..<n {
                                let o = (i * c + ch) * plane
                                for j in 0..<plane { dxp[o + j] = scale * dyp[o + j] }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
