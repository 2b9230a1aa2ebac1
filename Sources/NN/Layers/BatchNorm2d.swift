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
                        let planes = (0..<n).map { i in (i * c + ch) * plane }
                        let mean: Float, variance: Float
                        if isTraining {
                            // Two passes, lanes in float and planes in double: exact enough for
                            // inputs with a large mean.
                            let mu = planes.reduce(0.0) { $0 + Vectorized.sum(xp.start + $1, count: plane) } / Double(m)
                            let sq = planes.reduce(0.0) { $0 + Vectorized.centredSums(xp.start + $1, shift: Float(mu), count: plane) }
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
                        for o in planes {
                            // xhat = (x - mean) * inv;  y = gamma * xhat + beta
                            (hp.start + o).update(from: xp.start + o, count: plane)
                            Vectorized.update(hp.start + o, count: plane, { ($0 - mean) * inv }, { ($0 - mean) * inv })
                            (yp.start + o).update(from: hp.start + o, count: plane)
                            Vectorized.update(yp.start + o, count: plane, { $0 * gamma + beta }, { $0 * gamma + beta })
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
                        let planes = (0..<n).map { i in (i * c + ch) * plane }
                        let sumDy = planes.reduce(0.0) { $0 + Vectorized.sum(dyp.start + $1, count: plane) }
                        let sumDyXhat = planes.reduce(0.0) { $0 + Vectorized.dot(dyp.start + $1, hp.start + $1, count: plane) }
                        weight.grad.data[ch] += Float(sumDyXhat)
                        bias.grad.data[ch] += Float(sumDy)
                        let scale = weight.value.data[ch] * invStd[ch]
                        for o in planes {
                            (dxp.start + o).update(from: dyp.start + o, count: plane)
                            if forwardWasTraining {
                                // dx = scale * (dy - mean(dy) - xhat * mean(dy * xhat))
                                let meanDy = Float(sumDy / Double(m)), meanDyXhat = Float(sumDyXhat / Double(m))
                                Vectorized.update(dxp.start + o, with: hp.start + o, count: plane,
                                                  { g, h in scale * (g - meanDy - h * meanDyXhat) },
                                                  { g, h in scale * (g - meanDy - h * meanDyXhat) })
                            } else {
                                Vectorized.update(dxp.start + o, count: plane, { scale * $0 }, { scale * $0 })
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
