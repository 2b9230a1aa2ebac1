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
