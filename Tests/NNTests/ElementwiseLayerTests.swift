import NN
import TestSupport
import Testing

@Suite("ReLU, Dropout2d, residual add, channel concat")
struct ElementwiseLayerTests {
    @Test("ReLU matches PyTorch and central differences")
    func relu() throws {
        let f = try Fixture("relu")
        let layer = ReLU()
        #expect(Tolerance.error(layer.forward(try f.tensor("x")), try f.tensor("y")) <= Tolerance.forward)
        #expect(Tolerance.error(layer.backward(try f.tensor("dy")), try f.tensor("dx")) <= Tolerance.backward)
        let check = GradCheck(forward: { layer.forward($0[0]) },
                              backward: { t, dy in _ = layer.forward(t[0]); return [layer.backward(dy)] })
        check.run("relu", tensors: [try f.tensor("x")], names: ["x"])
    }

    @Test("Dropout2d zeroes whole channels, scales the rest by 1/(1-p), and is seeded")
    func dropoutSemantics() {
        let x = randomTensor([4, 50, 3, 2], seed: 1, awayFromZero: 0.01)
        let layer = Dropout2d(probability: 0.25, generator: SeededGenerator(seed: 9))
        let y = layer.forward(x)
        var dropped = 0
        for plane in 0..<(4 * 50) {
            let scale = layer.mask[plane]
            #expect(scale == 0 || scale == 1 / 0.75)
            if scale == 0 { dropped += 1 }
            for j in 0..<6 { #expect(y.data[plane * 6 + j] == x.data[plane * 6 + j] * scale) }
        }
        #expect(dropped > 25 && dropped < 75, "about a quarter of 200 channels dropped, got \(dropped)")
        // Same seed, same masks; the backward applies the same mask.
        let again = Dropout2d(probability: 0.25, generator: SeededGenerator(seed: 9))
        #expect(again.forward(x) == y)
        let dy = randomTensor(x.shape, seed: 2)
        #expect(layer.backward(dy) == again.backward(dy))
        // Evaluation: identity.
        layer.isTraining = false
        #expect(layer.forward(x) == x)
        #expect(layer.backward(dy) == dy)
    }

    @Test("Dropout2d backward agrees with central differences for a fixed mask")
    func dropoutGradient() {
        let layer = Dropout2d(probability: 0.5, generator: SeededGenerator(seed: 3))
        let x = randomTensor([2, 4, 2, 3], seed: 4)
        _ = layer.forward(x)
        let mask = layer.mask
        #expect(mask.contains(0) && mask.contains(2), "the seed should drop some channels and keep others")
        // Central differences need the same mask on every forward: apply the recorded one.
        func masked(_ t: Tensor) -> Tensor {
            var y = t
            for (k, s) in mask.enumerated() { for j in 0..<6 { y.data[k * 6 + j] *= s } }
            return y
        }
        let check = GradCheck(forward: { masked($0[0]) }, backward: { _, dy in [layer.backward(dy)] })
        check.run("dropout2d", tensors: [x], names: ["x"])
    }

    @Test("channel concat and its split are exact inverses, checked by central differences")
    func concat() {
        let a = randomTensor([2, 3, 2, 2], seed: 1), b = randomTensor([2, 1, 2, 2], seed: 2)
        let y = ChannelConcat.forward([a, b])
        #expect(y.shape == [2, 4, 2, 2])
        #expect(Array(y.data[0..<12]) == Array(a.data[0..<12]))
        #expect(Array(y.data[12..<16]) == Array(b.data[0..<4]))
        #expect(Array(y.data[16..<28]) == Array(a.data[12..<24]))
        let parts = ChannelConcat.backward(y, channels: [3, 1])
        #expect(parts == [a, b])
        let check = GradCheck(forward: { ChannelConcat.forward($0) },
                              backward: { _, dy in ChannelConcat.backward(dy, channels: [3, 1]) })
        check.run("concat", tensors: [a, b], names: ["a", "b"])
    }
}
