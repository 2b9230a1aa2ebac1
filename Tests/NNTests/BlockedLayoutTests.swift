import NN
import TestSupport
import Testing

/// Tensors in oneDNN's nChw16c order and the layers that take them, against the NCHW path.
@Suite("Blocked (nChw16c) layout")
struct BlockedLayoutTests {
    @Test("conversion puts (n, c, h, w) at ((n * C/16 + c/16) * H * W + h * W + w) * 16 + c % 16 and back")
    func conversion() {
        let x = randomTensor([2, 32, 3, 5], seed: 41)
        let blocked = x.converted(to: .blocked16)
        #expect(blocked.layout == .blocked16 && blocked.shape == x.shape)
        for (n, c, h, w) in [(0, 0, 0, 0), (1, 17, 2, 4), (0, 15, 1, 3), (1, 31, 0, 1)] {
            #expect(blocked.data[((n * 2 + c / 16) * 15 + h * 5 + w) * 16 + c % 16] == x.data[((n * 32 + c) * 3 + h) * 5 + w])
        }
        #expect(blocked.converted(to: .nchw) == x)
        #expect(x.converted(to: .nchw) == x)
    }

    @Test("a convolution reading and writing blocked16 gives the NCHW results bit for bit, both ways")
    func convolution() {
        var generator = SeededGenerator(seed: 42)
        let plain = Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        generator = SeededGenerator(seed: 42)
        let blocked = Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        blocked.outputLayout = .blocked16
        let x = randomTensor([2, 16, 9, 10], seed: 43), dy = randomTensor([2, 32, 5, 5], seed: 44)
        let y = blocked.forward(x.converted(to: .blocked16))
        #expect(y.layout == .blocked16)
        #expect(y.converted(to: .nchw) == plain.forward(x))
        let dx = blocked.backward(dy.converted(to: .blocked16))
        #expect(dx.layout == .blocked16)
        #expect(dx.converted(to: .nchw) == plain.backward(dy))
        #expect(blocked.weight.grad == plain.weight.grad && blocked.bias?.grad == plain.bias?.grad)
    }

    @Test("batch norm on blocked16 agrees with NCHW, training and evaluation, with and without ReLU",
          arguments: [(true, true), (true, false), (false, true), (false, false)])
    func batchNorm(training: Bool, relu: Bool) {
        let x = randomTensor([3, 32, 4, 6], seed: 45, scale: 2), dy = randomTensor([3, 32, 4, 6], seed: 46)
        let plain = BatchNorm2d(channels: 32, fusedReLU: relu), blocked = BatchNorm2d(channels: 32, fusedReLU: relu)
        for bn in [plain, blocked] {
            bn.weight.value = randomTensor([32], seed: 47)
            bn.bias.value = randomTensor([32], seed: 48)
            bn.runningMean.data = (0..<32).map { Float($0) * 0.1 - 1 }
            bn.isTraining = training
        }
        let expected = plain.forward(x), y = blocked.forward(x.converted(to: .blocked16))
        #expect(y.layout == .blocked16)
        #expect(Tolerance.error(y.converted(to: .nchw), expected) <= Tolerance.forward)
        let dx = blocked.backward(dy.converted(to: .blocked16))
        #expect(Tolerance.error(dx.converted(to: .nchw), plain.backward(dy)) <= Tolerance.backward)
        #expect(Tolerance.error(blocked.weight.grad, plain.weight.grad) <= Tolerance.backward)
        #expect(Tolerance.error(blocked.bias.grad, plain.bias.grad) <= Tolerance.backward)
        #expect(Tolerance.error(blocked.runningMean, plain.runningMean) <= Tolerance.forward)
        #expect(Tolerance.error(blocked.runningVar, plain.runningVar) <= Tolerance.forward)
    }

    @Test("ReLU and sums keep the layout; layers that need NCHW say so")
    func elementwise() {
        let x = randomTensor([1, 16, 2, 2], seed: 49).converted(to: .blocked16)
        let relu = ReLU()
        let y = relu.forward(x)
        #expect(y.layout == .blocked16 && y.converted(to: .nchw) == ReLU().forward(x.converted(to: .nchw)))
        #expect(relu.backward(x).layout == .blocked16)
        var sum = x
        sum.add(x)
        #expect(sum.converted(to: .nchw).data == x.converted(to: .nchw).data.map { $0 + $0 })
    }
}
