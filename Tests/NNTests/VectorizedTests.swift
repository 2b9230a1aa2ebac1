@testable import NN
import Foundation
import Testing

/// The SIMD helpers the element-wise kernels are built on.
@Suite("Vectorized")
struct VectorizedTests {
    @Test("exp is within 2 ulp of libm's over the range the softmax uses and beyond")
    func expAccuracy() {
        var worst: Float = 0
        var x: Float = -86.5
        while x < 88.7 {
            let chunk = Vectorized.Chunk((0..<16).map { x + Float($0) * 0.0037 })
            let ours = Vectorized.exp(chunk)
            for lane in 0..<16 {
                let exact = Foundation.exp(Double(chunk[lane]))
                guard exact < Double(Float.greatestFiniteMagnitude) else { continue }
                let ulp = Double(Float(exact).ulp)
                worst = max(worst, Float(abs(Double(ours[lane]) - exact) / ulp))
            }
            x += 0.0591
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
    }

    @Test("exp's edges: 0 below -86.9, +inf past the largest float, NaN stays NaN")
    func expEdges() {
        #expect(Vectorized.exp(0) == 1)
        #expect(Vectorized.exp(-87.5) == 0)
        #expect(Vectorized.exp(-Float.infinity) == 0)
        #expect(Vectorized.exp(89) == .infinity)
        #expect(Vectorized.exp(Float.infinity) == .infinity)
        #expect(Vectorized.exp(Float.nan).isNaN)
        #expect(Vectorized.exp(88.7).isFinite)
    }

    @Test("log is within 2 ulp of libm's from tiny to huge values, and 1...16 (softmax sums) closely")
    func logAccuracy() {
        var worst: Float = 0
        var values: [Float] = []
        var x: Float = 1e-30
        while x < 1e30 { values.append(x); x *= 1.0173 }
        values += (0..<4000).map { 1 + Float($0) * 0.0037 }
        for start in stride(from: 0, to: values.count - 16, by: 16) {
            let chunk = Vectorized.Chunk(values[start..<(start + 16)])
            let ours = Vectorized.log(chunk)
            for lane in 0..<16 {
                let exact = Foundation.log(Double(chunk[lane]))
                guard exact != 0 else { #expect(ours[lane] == 0); continue }
                worst = max(worst, Float(abs(Double(ours[lane]) - exact) / Double(Float(exact).ulp)))
            }
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
    }

    @Test("log's edges: 0 gives -inf, +inf gives +inf, negative and NaN give NaN")
    func logEdges() {
        let v = Vectorized.log(Vectorized.Chunk([0, .infinity, -1, .nan, 1, 2.718281828, 0.5, 1e-37] + [Float](repeating: 1, count: 8)))
        #expect(v[0] == -.infinity && v[1] == .infinity && v[2].isNaN && v[3].isNaN && v[4] == 0)
        #expect(abs(v[5] - 1) < 1e-6 && abs(v[6] + 0.6931472) < 1e-6 && abs(v[7] + 85.19565) < 1e-4)
    }

    @Test("partial chunks load and store only their lanes")
    func partialChunks() {
        let source: [Float] = (1...5).map(Float.init)
        let v = source.withUnsafeBufferPointer { Vectorized.load($0.baseAddress!, lanes: 5) }
        #expect(Array((0..<16).map { v[$0] }) == source + [Float](repeating: 0, count: 11))
        var target = [Float](repeating: -1, count: 8)
        target.withUnsafeMutableBufferPointer { Vectorized.store(v * 2, to: $0.baseAddress!, lanes: 3) }
        #expect(target == [2, 4, 6, -1, -1, -1, -1, -1])
    }
}
