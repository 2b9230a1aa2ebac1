import NN
import TestSupport
import Testing

@Suite("Conv2d")
struct Conv2dTests {
    static let cases = ["3x3_s1_p1", "3x3_s2_p1", "3x3_d2_p2", "1x1_s2", "1x1_bias", "3x3_s2_p0_odd", "3x3_d2_p2_s2", "3x3_d2_p2_even"]

    /// A convolution with the fixture's geometry and weights.
    static let backends: [ConvolutionBackend] = [.primitives, .im2colGEMM]

    static func layer(for f: Fixture, backend: ConvolutionBackend = .primitives) throws -> Conv2d {
        let w = try f.tensor("weight")
        var generator = SeededGenerator(seed: 0)
        let conv = Conv2d(inChannels: w.shape[1], outChannels: w.shape[0], kernelSize: w.shape[2],
                          stride: try f.int("stride"), padding: try f.int("padding"), dilation: try f.int("dilation"),
                          bias: try f.bool("bias"), backend: backend, generator: &generator)
        conv.weight.value = w
        if let bias = conv.bias { bias.value = try f.tensor("bias") }
        return conv
    }

    @Test("matches PyTorch forward and backward", arguments: cases, backends)
    func matchesPyTorch(_ name: String, backend: ConvolutionBackend) throws {
        let f = try Fixture("conv_" + name)
        let conv = try Self.layer(for: f, backend: backend)
        let y = conv.forward(try f.tensor("x"))
        #expect(Tolerance.error(y, try f.tensor("y")) <= Tolerance.forward)
        let dx = conv.backward(try f.tensor("dy"))
        #expect(Tolerance.error(dx, try f.tensor("dx")) <= Tolerance.backward)
        #expect(Tolerance.error(conv.weight.grad, try f.tensor("dweight")) <= Tolerance.backward)
        if let bias = conv.bias {
            #expect(Tolerance.error(bias.grad, try f.tensor("dbias")) <= Tolerance.backward)
        }
    }

    @Test("matches the naive direct convolution", arguments: cases, backends)
    func matchesNaiveOracle(_ name: String, backend: ConvolutionBackend) throws {
        let f = try Fixture("conv_" + name)
        let conv = try Self.layer(for: f, backend: backend)
        let x = randomTensor(try f.tensor("x").shape, seed: 7)
        let y = conv.forward(x)
        let expected = NaiveConv2d.forward(x, weight: conv.weight.value, bias: conv.bias?.value, geometry: conv.geometry)
        #expect(Tolerance.error(y, expected) <= Tolerance.forward)
        let dy = randomTensor(y.shape, seed: 8)
        let dx = conv.backward(dy)
        let reference = NaiveConv2d.backward(x, weight: conv.weight.value, dy: dy, geometry: conv.geometry)
        #expect(Tolerance.error(dx, reference.dx) <= Tolerance.backward)
        #expect(Tolerance.error(conv.weight.grad, reference.dweight) <= Tolerance.backward)
        if let bias = conv.bias { #expect(Tolerance.error(bias.grad, reference.dbias) <= Tolerance.backward) }
    }

    @Test("gradients agree with central differences", arguments: cases, backends)
    func centralDifferences(_ name: String, backend: ConvolutionBackend) throws {
        let f = try Fixture("conv_" + name)
        let conv = try Self.layer(for: f, backend: backend)
        func load(_ t: [Tensor]) {
            conv.weight.value = t[1]
            if let bias = conv.bias { bias.value = t[2] }
        }
        let check = GradCheck(
            forward: { t in load(t); return conv.forward(t[0]) },
            backward: { t, dy in
                load(t)
                _ = conv.forward(t[0])
                conv.parameters.forEach { $0.zeroGrad() }
                return [conv.backward(dy)] + conv.parameters.map(\.grad)
            })
        var tensors = [try f.tensor("x"), conv.weight.value]
        var names = ["x", "weight"]
        if let bias = conv.bias { tensors.append(bias.value); names.append("bias") }
        check.run("conv_\(name) \(backend)", tensors: tensors, names: names)
    }

    @Test("backward accumulates parameter gradients until zeroed", arguments: backends)
    func accumulates(backend: ConvolutionBackend) throws {
        let f = try Fixture("conv_3x3_s1_p1")
        let conv = try Self.layer(for: f, backend: backend)
        _ = conv.forward(try f.tensor("x"))
        _ = conv.backward(try f.tensor("dy"))
        _ = conv.backward(try f.tensor("dy"))
        var twice = try f.tensor("dweight")
        for i in 0..<twice.count { twice.data[i] *= 2 }
        #expect(Tolerance.error(conv.weight.grad, twice) <= Tolerance.backward)
        conv.weight.zeroGrad()
        #expect(conv.weight.grad.maxAbs == 0)
    }

    @Test("initialisation is PyTorch's kaiming-uniform bound and bit-identical per seed")
    func initialisation() {
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5), g3 = SeededGenerator(seed: 6)
        let a = Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, bias: true, generator: &g1)
        let b = Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, bias: true, generator: &g2)
        let c = Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, bias: true, generator: &g3)
        #expect(a.weight.value.data.map(\.bitPattern) == b.weight.value.data.map(\.bitPattern))
        #expect(a.weight.value != c.weight.value)
        let bound: Float = 1 / (16 * 9 as Float).squareRoot()   // 1/sqrt(fan_in) = 1/12
        for t in [a.weight.value, a.bias?.value ?? Tensor(shape: [0])] {
            #expect(t.data.allSatisfy { abs($0) <= bound })
            #expect(t.maxAbs > 0.9 * bound, "uniform samples should reach close to the bound")
        }
        let mean = a.weight.value.data.reduce(0, +) / Float(a.weight.value.count)
        #expect(abs(mean) < 0.01 * bound * 10)
        // Variance of U(-b, b) is b^2/3.
        let variance = a.weight.value.data.reduce(0) { $0 + $1 * $1 } / Float(a.weight.value.count)
        #expect(abs(variance - bound * bound / 3) < 0.1 * bound * bound / 3)
    }
}
