/// Kernels on activations in oneDNN's nChw16c layout, [N, C/16, H, W, 16]: the 16 channels of a
/// pixel are one SIMD chunk, so each kernel is the NCHW one with a chunk in place of a float, and
/// computes the same sums in the same order (bit-identical per channel).
enum BlockedKernels {
    typealias Chunk = SIMD16<Float>

    /// x [N, C, H, W] -> y [N, C, s, s], both nChw16c: adaptive average pooling as `AdaptiveAvgPool2d`.
    static func adaptiveAveragePool(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                    n: Int, c: Int, h: Int, w: Int, bins s: Int) {
        precondition(c % 16 == 0, "nChw16c kernels need channels in multiples of 16, got \(c)")
        let rowWindows = (0..<s).map { AdaptiveAvgPool2d.window($0, bins: s, length: h) }
        let colWindows = (0..<s).map { AdaptiveAvgPool2d.window($0, bins: s, length: w) }
        let source = UnsafeRawPointer(x), destination = UnsafeMutableRawPointer(y)
        for block in 0..<(n * c / 16) {
            let inBase = block * h * w, outBase = block * s * s
            for (oh, rows) in rowWindows.enumerated() {
                for (ow, cols) in colWindows.enumerated() {
                    var sum = Chunk(repeating: 0)
                    for r in rows {
                        for q in cols { sum += source.loadUnaligned(fromByteOffset: (inBase + r * w + q) * 64, as: Chunk.self) }
                    }
                    destination.storeBytes(of: sum / Chunk(repeating: Float(rows.count * cols.count)),
                                           toByteOffset: (outBase + oh * s + ow) * 64, as: Chunk.self)
                }
            }
        }
    }

    /// x [N, C, H, W] -> y [N, C, outH, outW], both nChw16c: bilinear resizing with align_corners as
    /// `BilinearUpsample` (columns first, then rows).
    static func bilinearUpsample(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                 n: Int, c: Int, h: Int, w: Int, outH: Int, outW: Int) {
        precondition(c % 16 == 0, "nChw16c kernels need channels in multiples of 16, got \(c)")
        let rows = BilinearUpsample.taps(input: h, output: outH), cols = BilinearUpsample.taps(input: w, output: outW)
        var rowW = [Chunk](repeating: Chunk(repeating: 0), count: h * outW)
        let source = UnsafeRawPointer(x), destination = UnsafeMutableRawPointer(y)
        for block in 0..<(n * c / 16) {
            let inBase = block * h * w, outBase = block * outH * outW
            for r in 0..<h {
                for (ow, q) in cols.enumerated() {
                    let a = source.loadUnaligned(fromByteOffset: (inBase + r * w + q.i0) * 64, as: Chunk.self)
                    let b = source.loadUnaligned(fromByteOffset: (inBase + r * w + q.i1) * 64, as: Chunk.self)
                    rowW[r * outW + ow] = Chunk(repeating: q.w0) * a + Chunk(repeating: q.w1) * b
                }
            }
            for (oh, r) in rows.enumerated() {
                for ow in 0..<outW {
                    let v = Chunk(repeating: r.w0) * rowW[r.i0 * outW + ow] + Chunk(repeating: r.w1) * rowW[r.i1 * outW + ow]
                    destination.storeBytes(of: v, toByteOffset: (outBase + oh * outW + ow) * 64, as: Chunk.self)
                }
            }
        }
    }

    /// Copies x [N, C, H, W] into channels [offset, offset + C) of y [N, total, H, W], both nChw16c.
    static func copyChannels(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                             n: Int, c: Int, plane: Int, offset: Int, total: Int) {
        precondition(c % 16 == 0 && offset % 16 == 0 && total % 16 == 0, "nChw16c channel copies need multiples of 16")
        for i in 0..<n {
            (y + (i * total + offset) * plane).update(from: x + i * c * plane, count: c * plane)
        }
    }
}
