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

    /// The sum of `count` floats, accumulated in 16 float lanes and then in double precision.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Double {
        var acc = Chunk(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 16 <= count {
            acc += raw.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        var total = 0.0
        for lane in 0..<16 { total += Double(acc[lane]) }
        while i < count { total += Double(p[i]); i += 1 }
        return total
    }

    /// The sum of (p[i] - shift)^2, accumulated as `sum`.
    @inline(__always)
    static func centredSums(_ p: UnsafePointer<Float>, shift: Float, count: Int) -> Double {
        var acc = Chunk(repeating: 0)
        let s = Chunk(repeating: shift)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 16 <= count {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) - s
            acc += d * d
            i += 16
        }
        var total = 0.0
        for lane in 0..<16 { total += Double(acc[lane]) }
        while i < count { let d = Double(p[i] - shift); total += d * d; i += 1 }
        return total
    }

    /// sum of p[i] * q[i], as above.
    @inline(__always)
    static func dot(_ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, count: Int) -> Double {
        var acc = Chunk(repeating: 0)
        var i = 0
        let a = UnsafeRawPointer(p), b = UnsafeRawPointer(q)
        while i + 16 <= count {
            acc += a.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self) * b.loadUnaligned(fromByteOffset: i * 4, as: Chunk.self)
            i += 16
        }
        var total = 0.0
        for lane in 0..<16 { total += Double(acc[lane]) }
        while i < count { total += Double(p[i]) * Double(q[i]); i += 1 }
        return total
    }
}
