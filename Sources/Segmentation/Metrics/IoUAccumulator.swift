import NN

/// Intersections and unions per class, summed over a whole evaluation set (as semseg and mmseg do),
/// and the metrics derived from them.
public struct IoUAccumulator: Sendable {
    public let classes: Int
    public let ignoreIndex: UInt8
    /// Per class: pixels predicted and labelled c, pixels predicted c, pixels labelled c.
    public private(set) var intersection, predicted, labelled: [Int]

    public init(classes: Int, ignoreIndex: UInt8 = 255) {
        self.classes = classes
        self.ignoreIndex = ignoreIndex
        intersection = [Int](repeating: 0, count: classes)
        predicted = intersection
        labelled = intersection
    }

    /// Adds a batch: logits [N, C, H, W] (argmax over C is the prediction), labels [N*H*W].
    public mutating func add(logits: Tensor, labels: [UInt8]) {
        let (n, c, h, w) = logits.nchw
        precondition(c == classes, "IoUAccumulator for \(classes) classes got logits with \(c)")
        let plane = h * w
        precondition(labels.count == n * plane, "IoUAccumulator: \(labels.count) labels for logits \(logits.shape)")
        logits.data.withUnsafeBufferPointer { lp in
            for i in 0..<n {
                for j in 0..<plane {
                    let label = labels[i * plane + j]
                    guard label != ignoreIndex else { continue }
                    let base = i * c * plane + j
                    var best = 0, bestValue = lp[base]
                    for k in 1..<c where lp[base + k * plane] > bestValue { best = k; bestValue = lp[base + k * plane] }
                    predicted[best] += 1
                    labelled[Int(label)] += 1
                    if best == Int(label) { intersection[best] += 1 }
                }
            }
        }
    }

    /// Adds predicted classes and their labels, pixel for pixel.
    public mutating func add(predictions: [UInt8], labels: [UInt8]) {
        precondition(predictions.count == labels.count, "IoUAccumulator: \(predictions.count) predictions for \(labels.count) labels")
        for (prediction, label) in zip(predictions, labels) where label != ignoreIndex {
            let best = Int(prediction)
            precondition(best < classes, "IoUAccumulator: prediction \(best) outside \(classes) classes")
            predicted[best] += 1
            labelled[Int(label)] += 1
            if best == Int(label) { intersection[best] += 1 }
        }
    }

    /// IoU per class; nil for a class that appears in neither truth nor prediction.
    public var classIoU: [Double?] {
        (0..<classes).map { c in
            let union = predicted[c] + labelled[c] - intersection[c]
            return union > 0 ? Double(intersection[c]) / Double(union) : nil
        }
    }

    /// Mean IoU over the classes present in truth or prediction (mmseg's nan-mean).
    public var miou: Double {
        let present = classIoU.compactMap { $0 }
        return present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
    }

    /// Correct pixels over labelled (non-ignored) pixels.
    public var pixelAccuracy: Double {
        let total = labelled.reduce(0, +)
        return total > 0 ? Double(intersection.reduce(0, +)) / Double(total) : 0
    }
}
