import NN
import TestSupport
import Testing

@Suite("AdaptiveAvgPool2d and BilinearUpsample")
struct ResamplingTests {
    @Test("adaptive pooling matches PyTorch, overlapping bins included",
          arguments: ["8x8_to_1", "8x8_to_2", "8x8_to_3", "8x8_to_6", "7x5_to_3", "7x5_to_6"])
    func poolMatchesPyTorch(_ name: String) throws {
        let f = try Fixture("pool_" + name)
        let layer = AdaptiveAvgPool2d(outputSize: try f.int("output_size"))
        #expect(Tolerance.error(layer.forward(try f.tensor("x")), try f.tensor("y")) <= Tolerance.forward)
        #expect(Tolerance.error(layer.backward(try f.tensor("dy")), try f.tensor("dx")) <= Tolerance.backward)
        let check = GradCheck(forward: { layer.forward($0[0]) },
                              backward: { t, dy in _ = layer.forward(t[0]); return [layer.backward(dy)] })
        check.run("pool_" + name, tensors: [try f.tensor("x")], names: ["x"])
    }

    @Test("bins follow PyTorch's floor/ceil edges")
    func binEdges() {
        #expect((0..<3).map { AdaptiveAvgPool2d.window($0, bins: 3, length: 8) } == [0..<3, 2..<6, 5..<8])
        #expect((0..<6).map { AdaptiveAvgPool2d.window($0, bins: 6, length: 8) }
                == [0..<2, 1..<3, 2..<4, 4..<6, 5..<7, 6..<8])
    }

    @Test("bilinear align_corners matches PyTorch",
          arguments: ["1x1_to_8x8", "2x2_to_8x8", "3x3_to_8x8", "6x6_to_8x8", "8x8_to_64x64", "3x5_to_7x4"])
    func bilinearMatchesPyTorch(_ name: String) throws {
        let f = try Fixture("bilinear_" + name)
        let layer = BilinearUpsample(outputHeight: try f.int("out_h"), outputWidth: try f.int("out_w"))
        #expect(Tolerance.error(layer.forward(try f.tensor("x")), try f.tensor("y")) <= Tolerance.forward)
        #expect(Tolerance.error(layer.backward(try f.tensor("dy")), try f.tensor("dx")) <= Tolerance.backward)
    }

    @Test("bilinear backward agrees with central differences", arguments: ["2x2_to_8x8", "3x5_to_7x4", "6x6_to_8x8"])
    func bilinearGradient(_ name: String) throws {
        let f = try Fixture("bilinear_" + name)
        let layer = BilinearUpsample(outputHeight: try f.int("out_h"), outputWidth: try f.int("out_w"))
        let check = GradCheck(forward: { layer.forward($0[0]) },
                              backward: { t, dy in _ = layer.forward(t[0]); return [layer.backward(dy)] })
        check.run("bilinear_" + name, tensors: [try f.tensor("x")], names: ["x"])
    }

    @Test("align_corners keeps the corner pixels")
    func corners() {
        let x = Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])
        let y = BilinearUpsample(outputHeight: 5, outputWidth: 3).forward(x)
        #expect(y.data[0] == 1 && y.data[2] == 2 && y.data[12] == 3 && y.data[14] == 4)
        #expect(y.data[1] == 1.5)
    }

    @Test("pyramid pooling branch (pool, upsample, concat) matches PyTorch end to end")
    func pyramidPoolingConcat() throws {
        let f = try Fixture("ppm_concat")
        let x = try f.tensor("x")
        let (_, c, h, w) = x.nchw
        let branches = [1, 2, 3].map { (AdaptiveAvgPool2d(outputSize: $0), BilinearUpsample(outputHeight: h, outputWidth: w)) }
        let y = ChannelConcat.forward([x] + branches.map { $0.1.forward($0.0.forward(x)) })
        #expect(Tolerance.error(y, try f.tensor("y")) <= Tolerance.forward)
        let parts = ChannelConcat.backward(try f.tensor("dy"), channels: [c, c, c, c])
        var dx = parts[0]
        for (branch, d) in zip(branches, parts.dropFirst()) { dx.add(branch.0.backward(branch.1.backward(d))) }
        #expect(Tolerance.error(dx, try f.tensor("dx")) <= Tolerance.backward)
    }
}
