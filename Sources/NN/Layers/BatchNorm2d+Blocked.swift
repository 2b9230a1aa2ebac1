/// Batch norm on channel-blocked tensors, nChw16c or nChw8c ([N, C/B, H, W, B], B = 16 or 8), with
/// 16-lane SIMD chunks: a chunk holds 16 / B consecutive pixels of one block, so lane l carries
/// channel l % B and every per-channel sum and scale is a lane-wise vector operation (per-channel
/// sums fold the lanes of one channel at the end; with B = 16 there is nothing to fold). Same formulas
/// as the NCHW path; a lane accumulates at most `Vectorized.flushEvery` values in float before they
/// are added up in double (a plane of 128x128 pixels summed in one float would lose the spread under
/// a large mean). With B = 8 the plane needs an even pixel count; an odd one (a 5x5 map) runs the
/// NCHW kernels on a converted copy.
extension BatchNorm2d {
    typealias Chunk = SIMD16<Float>
    typealias Sums = SIMD16<Double>

    /// The geometry of a blocked tensor as 16-lane chunks.
    struct ChunkedPlanes {
        /// Channels per block (8 or 16) and blocks per image.
        let width, blocks: Int
        /// Chunks per (image, block) plane, and bytes per (image, block) plane.
        let chunks, planeBytes: Int

        init(_ x: Tensor) {
            let (_, c, h, w) = x.nchw
            guard let width = x.layout.blockWidth else { preconditionFailure("a blocked tensor") }
            self.width = width
            blocks = c / width
            chunks = h * w * width / 16
            planeBytes = h * w * width * 4
        }

        /// The byte offset of image i, block b.
        func base(image i: Int, block b: Int) -> Int { (i * blocks + b) * planeBytes }

        /// The per-channel values of lanes folded: channel k of the block gets the lanes k, k + B, ...
        func fold(_ lanes: Sums) -> [Double] {
            var out = [Double](repeating: 0, count: width)
            for lane in 0..<16 { out[lane % width] += lanes[lane] }
            return out
        }

        /// A chunk whose lane l holds `values[l % B]`.
        func spread(_ values: ArraySlice<Float>) -> Chunk {
            var chunk = Chunk(repeating: 0)
            for lane in 0..<16 { chunk[lane] = values[values.startIndex + lane % width] }
            return chunk
        }
    }

    /// Whether the blocked kernels take `x` (16-lane chunks never straddle two planes).
    static func chunksFit(_ x: Tensor) -> Bool {
        let (_, _, h, w) = x.nchw
        return (h * w * (x.layout.blockWidth ?? 16)) % 16 == 0
    }

    /// The sum over `count` chunks from `base` (bytes) of `value(offset)`, per lane: float lanes
    /// flushed into double every `Vectorized.flushEvery` chunks.
    @inline(__always)
    static func chunkSums(base: Int, count: Int, _ value: (Int) -> Chunk) -> Sums {
        var total = Sums(repeating: 0)
        var k = 0
        while k < count {
            let end = min(count, k + Vectorized.flushEvery)
            var acc = Chunk(repeating: 0)
            while k < end {
                acc += value(base + k * 64)
                k += 1
            }
            total += Sums(acc)
        }
        return total
    }

    /// x: [N, C, H, W] blocked -> y in the same layout (training or evaluation, fused ReLU or not).
    func forwardBlocked(_ x: Tensor) -> Tensor {
        precondition(Self.chunksFit(x), "forwardBlocked: BatchNorm2d.forward sends other planes through NCHW")
        let (n, c, h, w) = x.nchw
        let m = n * h * w, g = ChunkedPlanes(x)
        var y = Tensor(uninitializedShape: x.shape, layout: x.layout)
        var xhat = isTraining ? Tensor(uninitializedShape: x.shape, layout: x.layout) : Tensor(shape: [0])
        mean = [Float](repeating: 0, count: c)
        invStd = [Float](repeating: 0, count: c)
        let zero = Chunk(repeating: 0)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                xhat.data.withUnsafeMutableBufferPointer { hp in
                    let xs = UnsafeRawPointer(xp.start), ys = UnsafeMutableRawPointer(yp.start)
                    for b in 0..<g.blocks {
                        let channels = (b * g.width)..<(b * g.width + g.width)
                        if isTraining {
                            var total = Sums(repeating: 0)
                            for i in 0..<n {
                                total += Self.chunkSums(base: g.base(image: i, block: b), count: g.chunks) {
                                    xs.loadUnaligned(fromByteOffset: $0, as: Chunk.self)
                                }
                            }
                            let meanD = g.fold(total).map { $0 / Double(m) }
                            let shift = g.spread(meanD.map(Float.init)[...])
                            var squares = Sums(repeating: 0)
                            for i in 0..<n {
                                squares += Self.chunkSums(base: g.base(image: i, block: b), count: g.chunks) {
                                    let d = xs.loadUnaligned(fromByteOffset: $0, as: Chunk.self) - shift
                                    return d * d
                                }
                            }
                            for (k, sq) in g.fold(squares).enumerated() {
                                recordBatchStatistics(channel: channels.lowerBound + k, mean: meanD[k], centredSquares: sq, count: m)
                            }
                        } else {
                            for ch in channels { useRunningStatistics(channel: ch) }
                        }
                        let mu = g.spread(mean[channels]), inv = g.spread(invStd[channels])
                        let gamma = g.spread(weight.value.data[channels]), beta = g.spread(bias.value.data[channels])
                        for i in 0..<n {
                            let base = g.base(image: i, block: b)
                            for k in 0..<g.chunks {
                                // xhat = (x - mean) * inv;  y = gamma * xhat + beta (then ReLU)
                                let offset = base + k * 64
                                let hv = (xs.loadUnaligned(fromByteOffset: offset, as: Chunk.self) - mu) * inv
                                if isTraining { UnsafeMutableRawPointer(hp.start).storeBytes(of: hv, toByteOffset: offset, as: Chunk.self) }
                                var v = hv * gamma + beta
                                if fusedReLU { v.replace(with: zero, where: v .< zero) }
                                ys.storeBytes(of: v, toByteOffset: offset, as: Chunk.self)
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

    /// dy blocked -> dx in the same layout; adds into weight.grad and bias.grad.
    func backwardBlocked(_ dy: Tensor, input: Tensor) -> Tensor {
        precondition(Self.chunksFit(dy), "backwardBlocked: BatchNorm2d.backward sends other planes through NCHW")
        let (n, _, h, w) = dy.nchw
        let m = n * h * w, g = ChunkedPlanes(dy)
        let xhat = self.xhat ?? normalizedBlockedInput(input)
        var dx = Tensor(uninitializedShape: dy.shape, layout: dy.layout)
        let mask = output ?? dy
        let zero = Chunk(repeating: 0)
        dy.data.withUnsafeBufferPointer { dyp in
            xhat.data.withUnsafeBufferPointer { hp in
                mask.data.withUnsafeBufferPointer { mp in
                    dx.data.withUnsafeMutableBufferPointer { dxp in
                        let d = UnsafeRawPointer(dyp.start), hs = UnsafeRawPointer(hp.start), ms = UnsafeRawPointer(mp.start)
                        let out = UnsafeMutableRawPointer(dxp.start)
                        // g = dy, or dy where the fused ReLU's output is positive.
                        @inline(__always) func gradient(_ offset: Int) -> Chunk {
                            var g = d.loadUnaligned(fromByteOffset: offset, as: Chunk.self)
                            if fusedReLU { g.replace(with: zero, where: .!(ms.loadUnaligned(fromByteOffset: offset, as: Chunk.self) .> zero)) }
                            return g
                        }
                        for b in 0..<g.blocks {
                            let channels = (b * g.width)..<(b * g.width + g.width)
                            var sumDy = Sums(repeating: 0), sumDyXhat = Sums(repeating: 0)
                            for i in 0..<n {
                                // Both sums in one pass, flushed like `chunkSums`.
                                let base = g.base(image: i, block: b)
                                var k = 0
                                while k < g.chunks {
                                    let end = min(g.chunks, k + Vectorized.flushEvery)
                                    var accSum = Chunk(repeating: 0), accDot = Chunk(repeating: 0)
                                    while k < end {
                                        let offset = base + k * 64
                                        let grad = gradient(offset)
                                        accSum += grad
                                        accDot += grad * hs.loadUnaligned(fromByteOffset: offset, as: Chunk.self)
                                        k += 1
                                    }
                                    sumDy += Sums(accSum)
                                    sumDyXhat += Sums(accDot)
                                }
                            }
                            let channelDy = g.fold(sumDy), channelDyXhat = g.fold(sumDyXhat)
                            var scales = [Float](repeating: 0, count: g.width)
                            for (k, ch) in channels.enumerated() {
                                weight.grad.data[ch] += Float(channelDyXhat[k])
                                bias.grad.data[ch] += Float(channelDy[k])
                                scales[k] = weight.value.data[ch] * invStd[ch]
                            }
                            let scale = g.spread(scales[...])
                            let meanDy = g.spread(channelDy.map { Float($0 / Double(m)) }[...])
                            let meanDyXhat = g.spread(channelDyXhat.map { Float($0 / Double(m)) }[...])
                            for i in 0..<n {
                                let base = g.base(image: i, block: b)
                                for k in 0..<g.chunks {
                                    let offset = base + k * 64
                                    let grad = gradient(offset)
                                    // dx = scale * (g - mean(g) - xhat * mean(g * xhat)) after a training forward
                                    let v = forwardWasTraining
                                        ? scale * (grad - meanDy - hs.loadUnaligned(fromByteOffset: offset, as: Chunk.self) * meanDyXhat)
                                        : scale * grad
                                    out.storeBytes(of: v, toByteOffset: offset, as: Chunk.self)
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// (x - mean) * invStd with the last forward's statistics, in x's blocked layout.
    private func normalizedBlockedInput(_ x: Tensor) -> Tensor {
        let n = x.nchw.n, g = ChunkedPlanes(x)
        var xhat = Tensor(uninitializedShape: x.shape, layout: x.layout)
        x.data.withUnsafeBufferPointer { xp in
            xhat.data.withUnsafeMutableBufferPointer { hp in
                for i in 0..<n {
                    for b in 0..<g.blocks {
                        let channels = (b * g.width)..<(b * g.width + g.width)
                        let mu = g.spread(mean[channels]), inv = g.spread(invStd[channels])
                        let base = g.base(image: i, block: b)
                        for k in 0..<g.chunks {
                            let v = (UnsafeRawPointer(xp.start).loadUnaligned(fromByteOffset: base + k * 64, as: Chunk.self) - mu) * inv
                            UnsafeMutableRawPointer(hp.start).storeBytes(of: v, toByteOffset: base + k * 64, as: Chunk.self)
                        }
                    }
                }
            }
        }
        return xhat
    }
}
