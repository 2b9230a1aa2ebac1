import Foundation
import NN

extension Trainer {
    /// The predicted class of every label pixel of a validation image, as hszhao/semseg's test does
    /// it: windows of the training size over the image (stride two thirds of a window, the last one
    /// flush with the edge), the softmax of each window's main logits averaged where windows overlap,
    /// resized bilinearly (half-pixel centres) to the labels' resolution, argmax.
    ///
    /// image [1, 3, h, w] (h, w >= size) -> classes [H * W] for labels H x W
    func slidingWindowPrediction(_ sample: EvaluationSample) -> [UInt8] {
        let size = validation.size, classes = config.model.classes
        let (_, _, h, w) = sample.image.nchw
        precondition(h >= size && w >= size, "an evaluation image's shorter side is the training size")
        let stride = (2 * size + 2) / 3
        func starts(_ extent: Int) -> [Int] {
            let windows = (extent - size + stride - 1) / stride + 1
            return (0..<windows).map { min($0 * stride, extent - size) }
        }
        let windows = starts(h).flatMap { top in starts(w).map { (top, $0) } }
        // Gather the windows: [n, 3, size, size].
        var batch = Tensor(shape: [windows.count, 3, size, size])
        let plane = size * size, imagePlane = h * w
        for (k, (top, left)) in windows.enumerated() {
            for c in 0..<3 {
                for y in 0..<size {
                    let from = c * imagePlane + (top + y) * w + left, to = (k * 3 + c) * plane + y * size
                    for x in 0..<size { batch.data[to + x] = sample.image.data[from + x] }
                }
            }
        }
        let logits = model.forward(batch).main
        // Softmax per pixel, summed into [classes, h, w] with a count per pixel.
        var probabilities = [Float](repeating: 0, count: classes * imagePlane)
        var covered = [Float](repeating: 0, count: imagePlane)
        var exps = [Float](repeating: 0, count: classes)
        for (k, (top, left)) in windows.enumerated() {
            for y in 0..<size {
                for x in 0..<size {
                    let base = k * classes * plane + y * size + x
                    var largest = -Float.infinity
                    for c in 0..<classes { largest = max(largest, logits.data[base + c * plane]) }
                    var sum: Float = 0
                    for c in 0..<classes { exps[c] = Foundation.exp(logits.data[base + c * plane] - largest); sum += exps[c] }
                    let p = (top + y) * w + left + x
                    for c in 0..<classes { probabilities[c * imagePlane + p] += exps[c] / sum }
                    covered[p] += 1
                }
            }
        }
        // Bilinear to the labels' size, argmax (the average's 1/count does not change the argmax of
        // one pixel, but it does weigh the interpolation between pixels, so divide first).
        for p in 0..<imagePlane where covered[p] > 1 {
            for c in 0..<classes { probabilities[c * imagePlane + p] /= covered[p] }
        }
        let outW = sample.labels.width, outH = sample.labels.height
        func taps(_ count: Int, _ source: Int) -> [(Int, Int, Float)] {
            (0..<count).map { i in
                let s = min(max((Float(i) + 0.5) * Float(source) / Float(count) - 0.5, 0), Float(source - 1))
                let i0 = Int(s)
                return (i0, min(i0 + 1, source - 1), s - Float(i0))
            }
        }
        let xs = taps(outW, w), ys = taps(outH, h)
        var prediction = [UInt8](repeating: 0, count: outW * outH)
        for (y, (y0, y1, fy)) in ys.enumerated() {
            for (x, (x0, x1, fx)) in xs.enumerated() {
                var best = 0, bestValue = -Float.infinity
                for c in 0..<classes {
                    let q = c * imagePlane
                    let top = probabilities[q + y0 * w + x0] + fx * (probabilities[q + y0 * w + x1] - probabilities[q + y0 * w + x0])
                    let bottom = probabilities[q + y1 * w + x0] + fx * (probabilities[q + y1 * w + x1] - probabilities[q + y1 * w + x0])
                    let v = top + fy * (bottom - top)
                    if v > bestValue { best = c; bestValue = v }
                }
                prediction[y * outW + x] = UInt8(best)
            }
        }
        return prediction
    }
}
