import Foundation

/// Per-pixel softmax cross-entropy over NCHW logits with an ignore label (PyTorch's
/// `F.cross_entropy(logits, labels, ignore_index=255)`, mean reduction).
///
/// loss = mean over pixels whose label is not `ignoreIndex` of (logsumexp_c logits - logits[label]);
/// dlogits = (softmax - onehot(label)) / count at those pixels, 0 at ignored ones. A batch with no
/// valid pixel has loss 0 and a zero gradient (where PyTorch would give NaN).
public final class CrossEntropyLoss {
    public let ignoreIndex: UInt8
    /// What backward needs from the last forward: softmax probabilities, labels and the valid count.
    private var probabilities: Tensor?
    private var labels: [UInt8] = []
    private var validCount = 0

    public init(ignoreIndex: UInt8 = 255) {
        self.ignoreIndex = ignoreIndex
    }

    /// logits: [N, C, H, W], labels: [N, H, W] (N*H*W bytes) -> the mean loss.
    public func forward(logits: Tensor, labels: [UInt8]) -> Float {
        let span = KernelProfiler.begin(.crossEntropyForward); defer { span.end() }
        let (n, c, h, w) = logits.nchw
        precondition(logits.layout == .nchw, "CrossEntropyLoss takes NCHW logits")
        let plane = h * w
        precondition(labels.count == n * plane, "CrossEntropyLoss: \(labels.count) labels for logits \(logits.shape)")
        for label in labels where label != ignoreIndex {
            precondition(Int(label) < c, "CrossEntropyLoss: label \(label) is not below \(c) classes")
        }
        var probs = Tensor(uninitializedShape: logits.shape)
        // The sums are locals of the closure (a captured variable would live in memory, and every
        // pixel would wait on its store).
        let (total, valid) = logits.data.withUnsafeBufferPointer { lp in
            probs.data.withUnsafeMutableBufferPointer { pp in
                labels.withUnsafeBufferPointer { lb in
                    var total = 0.0, valid = 0
                    // 16 pixels at a time: each class's logits for them are 16 consecutive floats.
                    for i in 0..<n {
                        var j = 0
                        while j < plane {
                            let lanes = min(16, plane - j)
                            let base = i * c * plane + j
                            let load = { (k: Int) -> Vectorized.Chunk in Vectorized.load(lp.start + base + k * plane, lanes: lanes) }
                            var maxLogit = load(0)
                            for k in 1..<c { maxLogit = maxLogit.replacing(with: load(k), where: load(k) .> maxLogit) }
                            var sum = Vectorized.Chunk(repeating: 0)
                            for k in 0..<c {
                                let e = Vectorized.exp(load(k) - maxLogit)
                                Vectorized.store(e, to: pp.start + base + k * plane, lanes: lanes)
                                sum += e
                            }
                            for k in 0..<c {
                                Vectorized.store(Vectorized.load(pp.start + base + k * plane, lanes: lanes) / sum,
                                                 to: pp.start + base + k * plane, lanes: lanes)
                            }
                            // Per pixel: logsumexp - logit of the label.
                            let logSumExp = maxLogit + Vectorized.log(sum)
                            for lane in 0..<lanes {
                                let label = lb[i * plane + j + lane]
                                guard label != ignoreIndex else { continue }
                                total += Double(logSumExp[lane] - lp[base + Int(label) * plane + lane])
                                valid += 1
                            }
                            j += lanes
                        }
                    }
                    return (total, valid)
                }
            }
        }
        probabilities = probs
        self.labels = labels
        validCount = valid
        return valid == 0 ? 0 : Float(total / Double(valid))
    }

    /// The gradient of `scale * loss` with respect to the logits of the last forward.
    public func backward(scale: Float = 1) -> Tensor {
        let span = KernelProfiler.begin(.crossEntropyBackward); defer { span.end() }
        guard var grad = probabilities else { preconditionFailure("CrossEntropyLoss.backward called before forward") }
        let (n, c, h, w) = grad.nchw
        let plane = h * w
        guard validCount > 0 else { grad.zero(); return grad }
        let factor = scale / Float(validCount)
        grad.data.withUnsafeMutableBufferPointer { gp in
            // (softmax - onehot) at valid pixels, 0 at ignored ones; then everything times the factor.
            for i in 0..<n {
                for j in 0..<plane {
                    let base = i * c * plane + j
                    let label = labels[i * plane + j]
                    if label == ignoreIndex {
                        for k in 0..<c { gp[base + k * plane] = 0 }
                    } else {
                        gp[base + Int(label) * plane] -= 1
                    }
                }
            }
            Vectorized.update(gp.start, count: gp.count, { $0 * factor }, { $0 * factor })
        }
        return grad
    }
}
