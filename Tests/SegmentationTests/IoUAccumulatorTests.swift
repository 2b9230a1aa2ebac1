import NN
import Segmentation
import Testing

@Suite("mIoU and pixel accuracy")
struct IoUAccumulatorTests {
    /// One-hot logits for predicted classes on a [1, C, 1, P] tensor.
    static func logits(_ predicted: [Int], classes: Int) -> Tensor {
        var t = Tensor(shape: [1, classes, 1, predicted.count])
        for (p, c) in predicted.enumerated() { t.data[c * predicted.count + p] = 1 }
        return t
    }

    @Test("intersections and unions are summed over the whole set before dividing")
    func accumulatesOverSet() {
        var acc = IoUAccumulator(classes: 3)
        // Batch 1: truth [0, 0, 1, 1], prediction [0, 1, 1, 1]; batch 2: truth [1, 2], prediction [1, 2].
        acc.add(logits: Self.logits([0, 1, 1, 1], classes: 3), labels: [0, 0, 1, 1])
        acc.add(logits: Self.logits([1, 2], classes: 3), labels: [1, 2])
        // class 0: I=1, U=2; class 1: I=3, U=4; class 2: I=1, U=1.
        let iou = acc.classIoU
        #expect(iou[0] == 0.5 && iou[1] == 0.75 && iou[2] == 1)
        #expect(abs(acc.miou - (0.5 + 0.75 + 1) / 3) < 1e-12)
        #expect(abs(acc.pixelAccuracy - 5.0 / 6.0) < 1e-12)
        // A mean of per-batch mIoUs would differ: batch 1 alone gives (0.5 + 2/3) / 2.
    }

    @Test("ignored pixels count nowhere; absent classes are left out of the mean")
    func ignoreAndAbsent() {
        var acc = IoUAccumulator(classes: 4)
        acc.add(logits: Self.logits([0, 1, 3, 1], classes: 4), labels: [0, 1, 255, 1])
        #expect(acc.classIoU[2] == nil && acc.classIoU[3] == nil)
        #expect(acc.miou == 1)
        #expect(acc.pixelAccuracy == 1)
    }
}
