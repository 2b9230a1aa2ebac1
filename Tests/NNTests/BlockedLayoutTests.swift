import NN
import TestSupport
import Testing

/// Tensors in oneDNN's blocked orders (nChw16c, nChw8c) and the layers that take them, against the
/// NCHW path. Both block widths are tested on every CPU (oneDNN reorders to its own choice where they
/// differ); the network uses the one oneDNN picks here (`Tensor.Layout.native`).
@Suite("Blocked (nChw16c, nChw8c) layouts")
struct BlockedLayoutTests {
    static let layouts: [Tensor.Layout] = [.blocked16, .blocked8]

    @Test("conversion puts (n, c, h, w) at ((n * C/B + c/B) * H * W + h * W + w) * B + c % B and back", arguments: layouts)
    func conversion(_ layout: Tensor.Layout) throws {
        let b = try #require(layout.blockWidth)
        let x = randomTensor([2, 32, 3, 5], seed: 41)
        let blocked = x.converted(to: layout)
        #expect(blocked.layout == layout && blocked.shape == x.shape)
        for (n, c, h, w) in [(0, 0, 0, 0), (1, 17, 2, 4), (0, 15, 1, 3), (1, 31, 0, 1)] {
            #expect(blocked.data[((n * 32 / b + c / b) * 15 + h * 5 + w) * b + c % b] == x.data[((n * 32 + c) * 3 + h) * 5 + w])
        }
        #expect(blocked.converted(to: .nchw) == x)
        #expect(x.converted(to: .nchw) == x)
        let other: Tensor.Layout = layout == .blocked16 ? .blocked8 : .blocked16
        #expect(blocked.converted(to: other) == x.converted(to: other))
    }

    @Test("a convolution reading and writing a blocked layout agrees with NCHW, both ways, on this CPU's path",
          arguments: layouts)
    func convolution(_ layout: Tensor.Layout) throws {
        // oneDNN computes in the layout it picks for this CPU (nChw16c with AVX-512, nChw8c with
        // AVX2): blocked buffers are that layout or one reorder away from it, and the kernels may
        // differ from the NCHW path's, so the two agree within the tolerances, not bit for bit.
        print("oneDNN on this CPU: isa \(ConvolutionLayoutProbe.isa), convolution activations \(ConvolutionLayoutProbe.activationLayout?.oneDNNName ?? "other"), "
              + "the network's \(Tensor.Layout.native.oneDNNName)")
        var generator = SeededGenerator(seed: 42)
        let plain = Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        generator = SeededGenerator(seed: 42)
        let blocked = Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        blocked.outputLayout = layout
        let x = randomTensor([2, 16, 9, 10], seed: 43), dy = randomTensor([2, 32, 5, 5], seed: 44)
        let y = blocked.forward(x.converted(to: layout))
        #expect(y.layout == layout)
        #expect(Tolerance.error(y.converted(to: .nchw), plain.forward(x)) <= Tolerance.forward)
        let dx = blocked.backward(dy.converted(to: layout))
        #expect(dx.layout == layout)
        #expect(Tolerance.error(dx.converted(to: .nchw), plain.backward(dy)) <= Tolerance.backward)
        #expect(Tolerance.error(blocked.weight.grad, plain.weight.grad) <= Tolerance.backward)
        #expect(Tolerance.error(try #require(blocked.bias?.grad), try #require(plain.bias?.grad)) <= Tolerance.backward)
    }

    /// 4x6 planes, and a 5x5 one (an odd plane: nChw8c runs the NCHW kernels on a converted copy).
    @Test("batch norm on a blocked layout agrees with NCHW, training and evaluation, with and without ReLU",
          arguments: layouts, [(true, true, 4, 6), (true, false, 4, 6), (false, true, 4, 6), (false, false, 4, 6), (true, true, 5, 5)])
    func batchNorm(_ layout: Tensor.Layout, _ mode: (training: Bool, relu: Bool, h: Int, w: Int)) {
        let (training, relu) = (mode.training, mode.relu)
        let x = randomTensor([3, 32, mode.h, mode.w], seed: 45, scale: 2), dy = randomTensor([3, 32, mode.h, mode.w], seed: 46)
        let plain = BatchNorm2d(channels: 32, fusedReLU: relu), blocked = BatchNorm2d(channels: 32, fusedReLU: relu)
        for bn in [plain, blocked] {
            bn.weight.value = randomTensor([32], seed: 47)
            bn.bias.value = randomTensor([32], seed: 48)
            bn.runningMean.data = (0..<32).map { Float($0) * 0.1 - 1 }
            bn.isTraining = training
        }
        let expected = plain.forward(x), y = blocked.forward(x.converted(to: layout))
        #expect(y.layout == layout)
        #expect(Tolerance.error(y.converted(to: .nchw), expected) <= Tolerance.forward)
        let dx = blocked.backward(dy.converted(to: layout))
        #expect(Tolerance.error(dx.converted(to: .nchw), plain.backward(dy)) <= Tolerance.backward)
        #expect(Tolerance.error(blocked.weight.grad, plain.weight.grad) <= Tolerance.backward)
        #expect(Tolerance.error(blocked.bias.grad, plain.bias.grad) <= Tolerance.backward)
        #expect(Tolerance.error(blocked.runningMean, plain.runningMean) <= Tolerance.forward)
        #expect(Tolerance.error(blocked.runningVar, plain.runningVar) <= Tolerance.forward)
    }

    @Test("batch norm on a blocked layout matches PyTorch (float64) when |mean| is 50-1000 times the spread",
          arguments: layouts, ["offset_1x1", "offset_64x64"])
    func batchNormLargeOffsets(_ layout: Tensor.Layout, _ name: String) throws {
        let f = try Fixture("bn_train_" + name)
        let bn = try BatchNorm2dTests.layer(for: f)
        let y = bn.forward(try f.tensor("x").converted(to: layout))
        #expect(y.layout == layout)
        #expect(Tolerance.error(y.converted(to: .nchw), try f.tensor("y")) <= Tolerance.forward)
        #expect(Tolerance.error(bn.runningMean, try f.tensor("running_mean_after")) <= Tolerance.forward)
        #expect(Tolerance.error(bn.runningVar, try f.tensor("running_var_after")) <= Tolerance.forward)
        let dx = bn.backward(try f.tensor("dy").converted(to: layout))
        #expect(Tolerance.error(dx.converted(to: .nchw), try f.tensor("dx")) <= Tolerance.backward)
        #expect(Tolerance.error(bn.weight.grad, try f.tensor("dweight")) <= Tolerance.backward)
        #expect(Tolerance.error(bn.bias.grad, try f.tensor("dbias")) <= Tolerance.backward)
    }

    @Test("ReLU and sums keep the layout; layers that need NCHW say so", arguments: layouts)
    func elementwise(_ layout: Tensor.Layout) {
        let x = randomTensor([1, 16, 2, 2], seed: 49).converted(to: layout)
        let relu = ReLU()
        let y = relu.forward(x)
        #expect(y.layout == layout && y.converted(to: .nchw) == ReLU().forward(x.converted(to: .nchw)))
        #expect(relu.backward(x).layout == layout)
        var sum = x
        sum.add(x)
        #expect(sum.converted(to: .nchw).data == x.converted(to: .nchw).data.map { $0 + $0 })
    }

    @Test("pooling, resizing and concatenation on a blocked layout equal NCHW bit for bit, forward and backward",
          arguments: layouts)
    func resampling(_ layout: Tensor.Layout) {
        let x = randomTensor([2, 32, 8, 8], seed: 61)
        for bins in [1, 2, 3, 6] {
            let plain = AdaptiveAvgPool2d(outputSize: bins), blocked = AdaptiveAvgPool2d(outputSize: bins)
            let y = blocked.forward(x.converted(to: layout))
            #expect(y.layout == layout && y.converted(to: .nchw) == plain.forward(x), "bins \(bins)")
            let dy = randomTensor([2, 32, bins, bins], seed: 62 + UInt64(bins))
            let dx = blocked.backward(dy.converted(to: layout))
            #expect(dx.layout == layout && dx.converted(to: .nchw) == plain.backward(dy), "bins \(bins)")
        }
        let small = randomTensor([2, 32, 3, 5], seed: 70)
        let plainUp = BilinearUpsample(outputHeight: 8, outputWidth: 7), blockedUp = BilinearUpsample(outputHeight: 8, outputWidth: 7)
        let up = blockedUp.forward(small.converted(to: layout))
        #expect(up.layout == layout && up.converted(to: .nchw) == plainUp.forward(small))
        let dUp = randomTensor([2, 32, 8, 7], seed: 71)
        let dSmall = blockedUp.backward(dUp.converted(to: layout))
        #expect(dSmall.layout == layout && dSmall.converted(to: .nchw) == plainUp.backward(dUp))
        let parts = [randomTensor([2, 16, 4, 4], seed: 72), randomTensor([2, 32, 4, 4], seed: 73)]
        let joined = ChannelConcat.forward(parts.map { $0.converted(to: layout) })
        #expect(joined.layout == layout && joined.converted(to: .nchw) == ChannelConcat.forward(parts))
        let dJoined = randomTensor([2, 48, 4, 4], seed: 74)
        let split = ChannelConcat.backward(dJoined.converted(to: layout), channels: [16, 32])
        #expect(split.map { $0.layout } == [layout, layout])
        #expect(split.map { $0.converted(to: .nchw) } == ChannelConcat.backward(dJoined, channels: [16, 32]))
    }

    @Test("a dilated convolution between blocked buffers matches PyTorch (its backward-weights may run on the space-to-batch form)",
          arguments: layouts)
    func dilatedConvolution(_ layout: Tensor.Layout) throws {
        let f = try Fixture("conv_3x3_d2_p2_even")
        let conv = try Conv2dTests.layer(for: f)
        conv.outputLayout = layout
        let y = conv.forward(try f.tensor("x").converted(to: layout))
        #expect(y.layout == layout)
        #expect(Tolerance.error(y.converted(to: .nchw), try f.tensor("y")) <= Tolerance.forward)
        let dx = conv.backward(try f.tensor("dy").converted(to: layout))
        #expect(Tolerance.error(dx.converted(to: .nchw), try f.tensor("dx")) <= Tolerance.backward)
        #expect(Tolerance.error(conv.weight.grad, try f.tensor("dweight")) <= Tolerance.backward)
        #expect(Tolerance.error(try #require(conv.bias).grad, try f.tensor("dbias")) <= Tolerance.backward)
    }
}
