/// Kernels on activations in oneDNN's blocked layouts (nChw8c, nChw16c: [N, C/B, H, W, B]).
///
/// A pixel's B channels are B/8 SIMD chunks of 8 lanes (the AVX2 register; on AVX-512 two chunks per
/// nChw16c pixel), so each kernel is the NCHW one with a chunk in place of a float, and computes the
/// same products and sums in the same order: bit-identical per channel to the NCHW layer.
enum BlockedKernels {
    typealias Chunk = SIMD8<Float>
    static let lanes = 8

    /// The geometry of a blocked tensor: `planes` channel blocks of `pixels` pixels, each pixel
    /// `chunks` chunks.
    private struct Blocks {
        let planes, chunks: Int
        init(n: Int, c: Int, block: Int) {
            precondition(block % lanes == 0 && c % block == 0, "blocked kernels need channels in multiples of the block width \(block), got \(c)")
            planes = n * c / block
            chunks = block / lanes
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>, _ chunk: Int) -> Chunk {
        UnsafeRawPointer(p + chunk * lanes).loadUnaligned(as: Chunk.self)
    }

    @inline(__always)
    private static func store(_ v: Chunk, _ p: UnsafeMutablePointer<Float>, _ chunk: Int) {
        UnsafeMutableRawPointer(p + chunk * lanes).storeBytes(of: v, as: Chunk.self)
    }

    /// x [N, C, H, W] -> y [N, C, s, s]: adaptive average pooling as `AdaptiveAvgPool2d.forward`.
    static func adaptiveAveragePool(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                    n: Int, c: Int, h: Int, w: Int, bins s: Int, block: Int) {
        let blocks = Blocks(n: n, c: c, block: block)
        let rowWindows = (0..<s).map { AdaptiveAvgPool2d.window($0, bins: s, length: h) }
        let colWindows = (0..<s).map { AdaptiveAvgPool2d.window($0, bins: s, length: w) }
        for plane in 0..<blocks.planes {
            let source = x + plane * h * w * block, destination = y + plane * s * s * block
            for (oh, rows) in rowWindows.enumerated() {
                for (ow, cols) in colWindows.enumerated() {
                    let count = Chunk(repeating: Float(rows.count * cols.count))
                    for k in 0..<blocks.chunks {
                        var sum = Chunk(repeating: 0)
                        for r in rows {
                            for q in cols { sum += load(source + (r * w + q) * block, k) }
                        }
                        store(sum / count, destination + (oh * s + ow) * block, k)
                    }
                }
            }
        }
    }

    /// dy [N, C, s, s] -> dx [N, C, H, W] (overwritten): as `AdaptiveAvgPool2d.backward`, each
    /// output's gradient spread evenly over its window.
    static func adaptiveAveragePoolBackward(_ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                            n: Int, c: Int, h: Int, w: Int, bins s: Int, block: Int) {
        let blocks = Blocks(n: n, c: c, block: block)
        let rowWindows = (0..<s).map { AdaptiveAvgPool2d.window($0, bins: s, length: h) }
        let colWindows = (0..<s).map { AdaptiveAvgPool2d.window($0, bins: s, length: w) }
        dx.update(repeating: 0, count: n * c * h * w)
        for plane in 0..<blocks.planes {
            let source = dy + plane * s * s * block, destination = dx + plane * h * w * block
            for (oh, rows) in rowWindows.enumerated() {
                for r in rows {
                    for (ow, cols) in colWindows.enumerated() {
                        let count = Chunk(repeating: Float(rows.count * cols.count))
                        for k in 0..<blocks.chunks {
                            let g = load(source + (oh * s + ow) * block, k) / count
                            for q in cols {
                                let target = destination + (r * w + q) * block
                                store(load(target, k) + g, target, k)
                            }
                        }
                    }
                }
            }
        }
    }

    /// x [N, C, H, W] -> y [N, C, outH, outW]: bilinear resizing with align_corners as
    /// `BilinearUpsample.forward` (columns first, then rows).
    static func bilinearUpsample(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                 n: Int, c: Int, h: Int, w: Int, outH: Int, outW: Int, block: Int) {
        let blocks = Blocks(n: n, c: c, block: block)
        let rows = BilinearUpsample.taps(input: h, output: outH), cols = BilinearUpsample.taps(input: w, output: outW)
        var rowW = [Float](repeating: 0, count: h * outW * block)
        rowW.withUnsafeMutableBufferPointer { scratch in
            let rowW = scratch.start
            for plane in 0..<blocks.planes {
                let source = x + plane * h * w * block, destination = y + plane * outH * outW * block
                for r in 0..<h {
                    for (ow, q) in cols.enumerated() {
                        for k in 0..<blocks.chunks {
                            let a = load(source + (r * w + q.i0) * block, k), b = load(source + (r * w + q.i1) * block, k)
                            store(Chunk(repeating: q.w0) * a + Chunk(repeating: q.w1) * b, rowW + (r * outW + ow) * block, k)
                        }
                    }
                }
                for (oh, r) in rows.enumerated() {
                    let (w0, w1) = (Chunk(repeating: r.w0), Chunk(repeating: r.w1))
                    let top = rowW + r.i0 * outW * block, bottom = rowW + r.i1 * outW * block
                    let out = destination + oh * outW * block
                    for k in 0..<(outW * blocks.chunks) { store(w0 * load(top, k) + w1 * load(bottom, k), out, k) }
                }
            }
        }
    }

    /// dy [N, C, outH, outW] -> dx [N, C, H, W] (overwritten): as `BilinearUpsample.backward`, rows
    /// first (each output row's gradient added into the two input rows it blends), then columns.
    static func bilinearUpsampleBackward(_ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                         n: Int, c: Int, h: Int, w: Int, outH: Int, outW: Int, block: Int) {
        let blocks = Blocks(n: n, c: c, block: block)
        let rows = BilinearUpsample.taps(input: h, output: outH), cols = BilinearUpsample.taps(input: w, output: outW)
        var rowGrad = [Float](repeating: 0, count: h * outW * block)
        dx.update(repeating: 0, count: n * c * h * w)
        rowGrad.withUnsafeMutableBufferPointer { scratch in
            let rowGrad = scratch.start
            for plane in 0..<blocks.planes {
                scratch.update(repeating: 0)
                let source = dy + plane * outH * outW * block, destination = dx + plane * h * w * block
                for (oh, r) in rows.enumerated() {
                    let (w0, w1) = (Chunk(repeating: r.w0), Chunk(repeating: r.w1))
                    let g = source + oh * outW * block, top = rowGrad + r.i0 * outW * block, bottom = rowGrad + r.i1 * outW * block
                    for k in 0..<(outW * blocks.chunks) { store(load(top, k) + w0 * load(g, k), top, k) }
                    for k in 0..<(outW * blocks.chunks) { store(load(bottom, k) + w1 * load(g, k), bottom, k) }
                }
                for r in 0..<h {
                    for (ow, q) in cols.enumerated() {
                        let g = rowGrad + (r * outW + ow) * block
                        let left = destination + (r * w + q.i0) * block, right = destination + (r * w + q.i1) * block
                        for k in 0..<blocks.chunks {
                            store(load(left, k) + Chunk(repeating: q.w0) * load(g, k), left, k)
                            store(load(right, k) + Chunk(repeating: q.w1) * load(g, k), right, k)
                        }
                    }
                }
            }
        }
    }
}
