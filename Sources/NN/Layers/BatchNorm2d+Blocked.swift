/// Batch norm on nChw16c tensors ([N, C/16, H, W, 16]): the 16 channels of a block are the 16 lanes
/// of a SIMD chunk, so every per-channel sum and scale is a lane-wise vector operation. Same
/// formulas as the NCHW path; per channel, a lane accumulates at most `Vectorized.flushEvery` pixels
/// in float before they are added up in double (a plane of 128x128 pixels summed in one float would
/// lose the spread under a large mean).
extension BatchNorm2d {
    typealias Chunk = SIMD16<Float>
    typealias Sums = SIMD16<Double>

    /// The sum over the `plane` pixels at `base` (bytes) of `value(offset)`, per lane: float lanes
    /// flushed into double every `Vectorized.flushEvery` pixels.
    @inline(__always)
    static func planeSums(base: Int, plane: Int, _ value: (Int) -> Chunk) -> Sums {
        var total = Sums(repeating: 0)
        var p = 0
        while p < plane {
            let end = min(plane, p + Vectorized.flushEvery)
            var acc = Chunk(repeating: 0)
            while p < end {
                acc += value(base + p * 64)
                p += 1
            }
            total += Sums(acc)
        }
        return total
    }

    /// x: [N, C, H, W] in blocked16 -> y in blocked16 (training or evaluation, fused ReLU or not).
    func forwardBlocked(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = x.nchw
        let plane = h * w, m = n * plane, blocks = c / 16
        var y = Tensor(uninitializedShape: x.shape, layout: .blocked16)
        var xhat = isTraining ? Tensor(uninitializedShape: x.shape, layout: .blocked16) : Tensor(shape: [0])
        mean = [Float](repeating: 0, count: c)
        invStd = [Float](repeating: 0, count: c)
        let zero = Chunk(repeating: 0)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                xhat.data.withUnsafeMutableBufferPointer { hp in
                    let xs = UnsafeRawPointer(xp.start), ys = UnsafeMutableRawPointer(yp.start)
                    for b in 0..<blocks {
                        let channels = (b * 16)..<(b * 16 + 16)
                        var mu = Chunk(repeating: 0), inv = Chunk(repeating: 0)
                        if isTraining {
                            var total = Sums(repeating: 0)
                            for i in 0..<n {
                                total += Self.planeSums(base: (i * blocks + b) * plane * 64, plane: plane) {
                                    xs.loadUnaligned(fromByteOffset: $0, as: Chunk.self)
                                }
                            }
                            let meanD = total / Double(m)
                            let shift = Chunk(meanD)
                            var squares = Sums(repeating: 0)
                            for i in 0..<n {
                                squares += Self.planeSums(base: (i * blocks + b) * plane * 64, plane: plane) {
                                    let d = xs.loadUnaligned(fromByteOffset: $0, as: Chunk.self) - shift
                                    return d * d
                                }
                            }
                            for (lane, ch) in channels.enumerated() {
                                recordBatchStatistics(channel: ch, mean: meanD[lane], centredSquares: squares[lane], count: m)
                            }
                        } else {
                            for ch in channels { useRunningStatistics(channel: ch) }
                        }
                        for (lane, ch) in channels.enumerated() { mu[lane] = mean[ch]; inv[lane] = invStd[ch] }
                        let gamma = Chunk(weight.value.data[channels]), beta = Chunk(bias.value.data[channels])
                        for i in 0..<n {
                            let base = (i * blocks + b) * plane * 64
                            for p in 0..<plane {
                                // xhat = (x - mean) * inv;  y = gamma * xhat + beta (then ReLU)
                                let offset = base + p * 64
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

    /// dy in blocked16 -> dx in blocked16; adds into weight.grad and bias.grad.
    func backwardBlocked(_ dy: Tensor, input: Tensor) -> Tensor {
        let (n, c, h, w) = dy.nchw
        let plane = h * w, m = n * plane, blocks = c / 16
        let xhat = self.xhat ?? normalizedBlockedInput(input)
        var dx = Tensor(uninitializedShape: dy.shape, layout: .blocked16)
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
                        for b in 0..<blocks {
                            let channels = (b * 16)..<(b * 16 + 16)
                            var sumDy = Sums(repeating: 0), sumDyXhat = Sums(repeating: 0)
                            for i in 0..<n {
                                // Both sums in one pass, flushed like `planeSums`.
                                let base = (i * blocks + b) * plane * 64
                                var p = 0
                                while p < plane {
                                    let end = min(plane, p + Vectorized.flushEvery)
                                    var accSum = Chunk(repeating: 0), accDot = Chunk(repeating: 0)
                                    while p < end {
                                        let offset = base + p * 64
                                        let g = gradient(offset)
                                        accSum += g
                                        accDot += g * hs.loadUnaligned(fromByteOffset: offset, as: Chunk.self)
                                        p += 1
                                    }
                                    sumDy += Sums(accSum)
                                    sumDyXhat += Sums(accDot)
                                }
                            }
                            var scale = Chunk(repeating: 0)
                            for (lane, ch) in channels.enumerated() {
                                weight.grad.data[ch] += Float(sumDyXhat[lane])
                                bias.grad.data[ch] += Float(sumDy[lane])
                                scale[lane] = weight.value.data[ch] * invStd[ch]
                            }
                            let meanDy = Chunk(sumDy / Double(m)), meanDyXhat = Chunk(sumDyXhat / Double(m))
                            for i in 0..<n {
                                let base = (i * blocks + b) * plane * 64
                                for p in 0..<plane {
                                    let offset = base + p * 64
                                    let g = gradient(offset)
                                    // dx = scale * (g - mean(g) - xhat * mean(g * xhat)) after a training forward
                                    let v = forwardWasTraining
                                        ? scale * (g - meanDy - hs.loadUnaligned(fromByteOffset: offset, as: Chunk.self) * meanDyXhat)
                                        : scale * g
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

    /// (x - mean) * invStd with the last forward's statistics, blocked16.
    private func normalizedBlockedInput(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = x.nchw
        let plane = h * w, blocks = c / 16
        var xhat = Tensor(uninitializedShape: x.shape, layout: .blocked16)
        x.data.withUnsafeBufferPointer { xp in
            xhat.data.withUnsafeMutableBufferPointer { hp in
                for i in 0..<n {
                    for b in 0..<blocks {
                        let mu = Chunk(mean[(b * 16)..<(b * 16 + 16)]), inv = Chunk(invStd[(b * 16)..<(b * 16 + 16)])
                        let base = (i * blocks + b) * plane * 64
                        for p in 0..<plane {
                            let v = (UnsafeRawPointer(xp.start).loadUnaligned(fromByteOffset: base + p * 64, as: Chunk.self) - mu) * inv
                            UnsafeMutableRawPointer(hp.start).storeBytes(of: v, toByteOffset: base + p * 64, as: Chunk.self)
                        }
                    }
                }
            }
        }
        return xhat
    }
}
