/// Element-wise kernels over float buffers in SIMD chunks of 16 (the compiler maps them to the widest
/// vector unit it targets), with a scalar tail.
enum Vectorized {
    typealias Chunk = SIMD16<Float>

    /// Applies `chunk` to every 16 elements and `scalar` to the remainder, in place.
    @inline(__always)
    static func update(_ p: UnsafeMutablePointer<Float>, count: Int,
                       _ chunk: (Chunk) -> Chunk, _ scalar: (Float) -> Float) {
        var i = 0
        let raw = UnsafeMutableRawPointer(p)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
            raw.storeBytes(of: chunk(v), toByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        while i < count { p[i] = scalar(p[i]); i += 1 }
    }

    /// p[i] = f(p[i], q[i]) for every i.
    @inline(__always)
    static func update(_ p: UnsafeMutablePointer<Float>, with q: UnsafePointer<Float>, count: Int,
                       _ chunk: (Chunk, Chunk) -> Chunk, _ scalar: (Float, Float) -> Float) {
        var i = 0
        let raw = UnsafeMutableRawPointer(p), other = UnsafeRawPointer(q)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
            let w = other.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
            raw.storeBytes(of: chunk(v, w), toByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        while i < count { p[i] = scalar(p[i], q[i]); i += 1 }
    }

    /// `lanes` (1...16) consecutive floats from `p`, the remaining lanes 0.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, lanes: Int) -> Chunk {
        if lanes == 16 { return UnsafeRawPointer(p).loadUnaligned(as: Chunk.self) }
        var v = Chunk(repeating: 0)
        for lane in 0..<lanes { v[lane] = p[lane] }
        return v
    }

    /// Stores the first `lanes` (1...16) lanes of `v` at `p`.
    @inline(__always)
    static func store(_ v: Chunk, to p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == 16 { return UnsafeMutableRawPointer(p).storeBytes(of: v, as: Chunk.self) }
        for lane in 0..<lanes { p[lane] = v[lane] }
    }

    /// out[i] = f(p[i]) for every i (`out` may be `p`).
    @inline(__always)
    static func map(_ p: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
                    _ chunk: (Chunk) -> Chunk, _ scalar: (Float) -> Float) {
        var i = 0
        let a = UnsafeRawPointer(p), o = UnsafeMutableRawPointer(out)
        while i + 16 <= count {
            o.storeBytes(of: chunk(a.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)), toByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        while i < count { out[i] = scalar(p[i]); i += 1 }
    }

    /// out[i] = f(p[i], q[i]) for every i (`out` may be `p` or `q`).
    @inline(__always)
    static func map(_ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
                    _ chunk: (Chunk, Chunk) -> Chunk, _ scalar: (Float, Float) -> Float) {
        var i = 0
        let a = UnsafeRawPointer(p), b = UnsafeRawPointer(q), o = UnsafeMutableRawPointer(out)
        while i + 16 <= count {
            let v = chunk(a.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self), b.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self))
            o.storeBytes(of: v, toByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        while i < count { out[i] = scalar(p[i], q[i]); i += 1 }
    }

    /// Batch norm's element-wise step: xhat = (x - mean) * invStd (stored when `xhat` is given) and
    /// y = gamma * xhat + beta, or max(that, 0) with `relu` (NaN stays NaN, as `ReLU` keeps it).
    @inline(__always)
    static func normalize(_ x: UnsafePointer<Float>, mean: Float, invStd: Float, gamma: Float, beta: Float,
                          xhat: UnsafeMutablePointer<Float>?, y: UnsafeMutablePointer<Float>, count: Int, relu: Bool) {
        var i = 0
        let xs = UnsafeRawPointer(x), ys = UnsafeMutableRawPointer(y)
        let vm = Chunk(repeating: mean), vi = Chunk(repeating: invStd), vg = Chunk(repeating: gamma), vb = Chunk(repeating: beta)
        let zero = Chunk(repeating: 0)
        while i + 16 <= count {
            let h = (xs.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) - vm) * vi
            if let xhat { UnsafeMutableRawPointer(xhat).storeBytes(of: h, toByteOffset: i * 4, as: Chunk.self) }
            var v = h * vg + vb
            if relu { v.replace(with: zero, where: v .< zero) }
            ys.storeBytes(of: v, toByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        while i < count {
            let h = (x[i] - mean) * invStd
            xhat?[i] = h
            let v = h * gamma + beta
            y[i] = relu && v < 0 ? 0 : v
            i += 1
        }
    }

    /// (sum of g[i], sum of g[i] * h[i]) with g = dy, or dy where `positiveIn` > 0 and 0 elsewhere
    /// (a fused ReLU's mask); each accumulated as `sum` accumulates (16 float lanes, then double).
    @inline(__always)
    static func sumAndDot(_ dy: UnsafePointer<Float>, _ h: UnsafePointer<Float>, positiveIn mask: UnsafePointer<Float>?,
                          count: Int) -> (Double, Double) {
        var i = 0
        let d = UnsafeRawPointer(dy), hs = UnsafeRawPointer(h)
        let zero = Chunk(repeating: 0)
        var sum = 0.0, dot = 0.0
        let whole = count - count % 16
        while i < whole {
            let end = min(whole, i + 16 * flushEvery)
            var accSum = Chunk(repeating: 0), accDot = Chunk(repeating: 0)
            while i < end {
                var g = d.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
                if let mask { g.replace(with: zero, where: .!(UnsafeRawPointer(mask).loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) .> zero)) }
                accSum += g
                accDot += g * hs.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
                i += 16
            }
            for lane in 0..<16 { sum += Double(accSum[lane]); dot += Double(accDot[lane]) }
        }
        while i < count {
            let g = mask.map { $0[i] > 0 ? dy[i] : 0 } ?? dy[i]
            sum += Double(g)
            dot += Double(g) * Double(h[i])
            i += 1
        }
        return (sum, dot)
    }

    /// Batch norm's input gradient: dx = scale * (g - meanDy - h * meanDyXhat) after a training
    /// forward, scale * g after an evaluation one (`meanDy` nil); g is dy masked as in `sumAndDot`.
    @inline(__always)
    static func batchNormBackward(_ dy: UnsafePointer<Float>, xhat h: UnsafePointer<Float>, positiveIn mask: UnsafePointer<Float>?,
                                  into dx: UnsafeMutablePointer<Float>, count: Int, scale: Float, meanDy: Float?, meanDyXhat: Float) {
        var i = 0
        let d = UnsafeRawPointer(dy), hs = UnsafeRawPointer(h), out = UnsafeMutableRawPointer(dx)
        let zero = Chunk(repeating: 0), vs = Chunk(repeating: scale)
        let vmd = Chunk(repeating: meanDy ?? 0), vmh = Chunk(repeating: meanDyXhat)
        while i + 16 <= count {
            var g = d.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
            if let mask { g.replace(with: zero, where: .!(UnsafeRawPointer(mask).loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) .> zero)) }
            let v = meanDy == nil ? vs * g : vs * (g - vmd - hs.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) * vmh)
            out.storeBytes(of: v, toByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        while i < count {
            let g = mask.map { $0[i] > 0 ? dy[i] : 0 } ?? dy[i]
            dx[i] = meanDy.map { scale * (g - $0 - h[i] * meanDyXhat) } ?? scale * g
            i += 1
        }
    }

    /// One SGD-with-momentum update of `count` parameters, as `SGD.step` documents:
    /// d = g + weightDecay * v;  b = d (first step) or momentum * b + d;  v -= lr * b.
    @inline(__always)
    static func sgdStep(value v: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, buffer b: UnsafeMutablePointer<Float>,
                        count: Int, lr: Float, momentum: Float, weightDecay: Float, first: Bool) {
        var i = 0
        let vs = UnsafeMutableRawPointer(v), gs = UnsafeRawPointer(g), bs = UnsafeMutableRawPointer(b)
        let vlr = Chunk(repeating: lr), vm = Chunk(repeating: momentum), vwd = Chunk(repeating: weightDecay)
        while i + 16 <= count {
            let value = vs.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
            let d = gs.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) + vwd * value
            let buffer = first ? d : vm * bs.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) + d
            bs.storeBytes(of: buffer, toByteOffset: i * 4, as: Chunk.self)
            vs.storeBytes(of: value - vlr * buffer, toByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        while i < count {
            let d = g[i] + weightDecay * v[i]
            b[i] = first ? d : momentum * b[i] + d
            v[i] -= lr * b[i]
            i += 1
        }
    }

    /// dst[i] = a * x[i] + b * y[i] for every i.
    @inline(__always)
    static func blend(_ dst: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ a: Float,
                      _ y: UnsafePointer<Float>, _ b: Float, count: Int) {
        var i = 0
        let va = Chunk(repeating: a), vb = Chunk(repeating: b)
        let d = UnsafeMutableRawPointer(dst), xs = UnsafeRawPointer(x), ys = UnsafeRawPointer(y)
        while i + 16 <= count {
            let v = va * xs.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
                + vb * ys.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
            d.storeBytes(of: v, toByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        while i < count { dst[i] = a * x[i] + b * y[i]; i += 1 }
    }

    /// dst[i] += a * x[i] for every i.
    @inline(__always)
    static func addScaled(_ dst: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ a: Float, count: Int) {
        var i = 0
        let va = Chunk(repeating: a)
        let d = UnsafeMutableRawPointer(dst), xs = UnsafeRawPointer(x)
        while i + 16 <= count {
            let v = d.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) + va * xs.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
            d.storeBytes(of: v, toByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        while i < count { dst[i] += a * x[i]; i += 1 }
    }

    /// How many values one float lane of a sum accumulates before it is added into double
    /// precision (then even a plane of 128x128 values with a mean 50 times their spread keeps it).
    static let flushEvery = 256

    /// The sum of `count` floats, accumulated in 16 float lanes (each flushed into double every
    /// `flushEvery` values) and then in double precision.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Double {
        var i = 0
        let raw = UnsafeRawPointer(p)
        var total = 0.0
        let whole = count - count % 16
        while i < whole {
            let end = min(whole, i + 16 * flushEvery)
            var acc = Chunk(repeating: 0)
            while i < end {
                acc += raw.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
                i += 16
            }
            for lane in 0..<16 { total += Double(acc[lane]) }
        }
        while i < count { total += Double(p[i]); i += 1 }
        return total
    }

    /// The sum of (p[i] - shift)^2, accumulated as `sum`.
    @inline(__always)
    static func centredSums(_ p: UnsafePointer<Float>, shift: Float, count: Int) -> Double {
        let s = Chunk(repeating: shift)
        var i = 0
        let raw = UnsafeRawPointer(p)
        var total = 0.0
        let whole = count - count % 16
        while i < whole {
            let end = min(whole, i + 16 * flushEvery)
            var acc = Chunk(repeating: 0)
            while i < end {
                let d = raw.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) - s
                acc += d * d
                i += 16
            }
            for lane in 0..<16 { total += Double(acc[lane]) }
        }
        while i < count { let d = Double(p[i] - shift); total += d * d; i += 1 }
        return total
    }

}

extension Vectorized {
    /// e^x in every lane: Cephes' single-precision `expf` (range reduction by ln 2, a degree-6
    /// polynomial), within 2 ulp of the correctly rounded value. Lanes below -86.9
    /// (results near the smallest normal float) give 0, above ln(Float.greatestFiniteMagnitude)
    /// +inf; NaN stays NaN.
    @inline(__always)
    static func exp(_ v: Chunk) -> Chunk {
        let lower = Chunk(repeating: -86.9), upper = Chunk(repeating: 88.72283905206835)
        let underflow = v .< lower, overflow = v .> upper
        var x = v.replacing(with: lower, where: underflow)
        x.replace(with: upper, where: overflow)
        // n = round(x / ln 2), by adding 1.5 * 2^23: the sum's low mantissa bits hold n as an integer.
        let magic = Chunk(repeating: 12_582_912)
        let t = x * Chunk(repeating: 1.44269504088896341) + magic
        let n = t - magic
        // r = x - n ln 2, with ln 2 split in two for an exact product.
        var r = x - n * Chunk(repeating: 0.693359375)
        r = r - n * Chunk(repeating: -2.12194440e-4)
        let r2 = r * r
        var p = Chunk(repeating: 1.9875691500e-4)
        p = p * r + Chunk(repeating: 1.3981999507e-3)
        p = p * r + Chunk(repeating: 8.3334519073e-3)
        p = p * r + Chunk(repeating: 4.1665795894e-2)
        p = p * r + Chunk(repeating: 1.6666665459e-1)
        p = p * r + Chunk(repeating: 5.0000001201e-1)
        let y = p * r2 + r + Chunk(repeating: 1)
        // 2^(n-1) from its exponent bits (n - 1 stays in -126...127 for x in the clamped range), then
        // times 2y: both products are exact.
        let integer = unsafeBitCast(t, to: SIMD16<Int32>.self) &- SIMD16<Int32>(repeating: 0x4B40_0000)
        let scale = unsafeBitCast((integer &+ SIMD16<Int32>(repeating: 126)) &<< SIMD16<Int32>(repeating: 23), to: Chunk.self)
        var result = (y * Chunk(repeating: 2)) * scale
        result.replace(with: 0, where: underflow)
        result.replace(with: .infinity, where: overflow)
        return result
    }

    /// The natural logarithm in every lane: Cephes' single-precision `logf` (x = m * 2^e with m in
    /// [sqrt(1/2), sqrt(2)), a degree-9 polynomial in m - 1), within 2 ulp for positive normal x;
    /// subnormal x (below 1.2e-38) come out wrong (they are read as if normal).
    /// 0 gives -inf, +inf gives +inf, negative lanes and NaN give NaN.
    @inline(__always)
    static func log(_ v: Chunk) -> Chunk {
        let bits = unsafeBitCast(v, to: SIMD16<Int32>.self)
        var e = Chunk((bits &>> 23) & SIMD16<Int32>(repeating: 0xff)) - Chunk(repeating: 126)
        var m = unsafeBitCast((bits & SIMD16<Int32>(repeating: Int32(bitPattern: 0x807f_ffff)))
                                  | SIMD16<Int32>(repeating: 0x3f00_0000), to: Chunk.self)   // in [0.5, 1)
        let small = m .< Chunk(repeating: 0.707106781186547524)
        e.replace(with: e - Chunk(repeating: 1), where: small)
        m = m.replacing(with: m + m, where: small) - Chunk(repeating: 1)
        let z = m * m
        var p = Chunk(repeating: 7.0376836292e-2)
        p = p * m - Chunk(repeating: 1.1514610310e-1)
        p = p * m + Chunk(repeating: 1.1676998740e-1)
        p = p * m - Chunk(repeating: 1.2420140846e-1)
        p = p * m + Chunk(repeating: 1.4249322787e-1)
        p = p * m - Chunk(repeating: 1.6668057665e-1)
        p = p * m + Chunk(repeating: 2.0000714765e-1)
        p = p * m - Chunk(repeating: 2.4999993993e-1)
        p = p * m + Chunk(repeating: 3.3333331174e-1)
        var y = p * m * z
        y += Chunk(repeating: -2.12194440e-4) * e
        y += Chunk(repeating: -0.5) * z
        var result = m + y + Chunk(repeating: 0.693359375) * e
        result.replace(with: -.infinity, where: v .== Chunk(repeating: 0))
        result.replace(with: .infinity, where: v .== Chunk(repeating: .infinity))
        result.replace(with: .nan, where: .!(v .>= Chunk(repeating: 0)))
        return result
    }

    /// e^x for one value, by the same method as the 16-lane version.
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(Chunk(repeating: x))[0] }
}
