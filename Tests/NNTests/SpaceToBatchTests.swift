@testable import NN
import Testing

@Suite("Space-to-batch form of a dilated convolution")
struct SpaceToBatchTests {
    @Test("gather puts x[n, c, h*d + r, w*d + s] in image (r*d + s)*N + n at (h, w), in NCHW and both blocked layouts",
          arguments: [Tensor.Layout.nchw, .blocked8, .blocked16])
    func gather(_ layout: Tensor.Layout) {
        let (n, c, h, w, d) = (2, 16, 6, 4, 2)
        let x = Tensor(shape: [n, c, h, w], data: (0..<(n * c * h * w)).map(Float.init)).converted(to: layout)
        var stacked = Tensor(shape: [d * d * n, c, h / d, w / d])
        x.data.withUnsafeBufferPointer { xp in
            stacked.data.withUnsafeMutableBufferPointer { sp in
                SpaceToBatch.gather(xp.baseAddress!, into: sp.baseAddress!, shape: x.shape, factor: d, blockWidth: layout.blockWidth ?? 1)
            }
        }
        // The gathered buffer is in `layout`: read it back through an NCHW conversion.
        let plain = Tensor(shape: stacked.shape, data: stacked.data)
        let result = layout == .nchw ? plain : Self.reinterpreted(plain, as: layout).converted(to: .nchw)
        for r in 0..<d {
            for s in 0..<d {
                for image in 0..<n {
                    for channel in 0..<c {
                        for row in 0..<(h / d) {
                            for column in 0..<(w / d) {
                                let got = result.data[(((r * d + s) * n + image) * c + channel) * (h / d) * (w / d) + row * (w / d) + column]
                                let want = Float(((image * c + channel) * h + row * d + r) * w + column * d + s)
                                #expect(got == want, "r \(r) s \(s) n \(image) c \(channel) at \(row), \(column)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("the form exists only for stride 1 with padding and sizes multiples of the dilation")
    func conditions() throws {
        let g = ConvGeometry(inChannels: 4, outChannels: 8, kernelSize: 3, stride: 1, padding: 2, dilation: 2)
        let form = try #require(SpaceToBatch(geometry: g, input: [2, 4, 8, 6]))
        #expect(form.input == [8, 4, 4, 3] && form.output == [8, 8, 4, 3] && form.geometry.padding == 1 && form.geometry.dilation == 1)
        #expect(SpaceToBatch(geometry: g, input: [2, 4, 7, 6]) == nil)
        #expect(SpaceToBatch(geometry: ConvGeometry(inChannels: 4, outChannels: 8, kernelSize: 3, stride: 2, padding: 2, dilation: 2),
                             input: [2, 4, 8, 8]) == nil)
        #expect(SpaceToBatch(geometry: ConvGeometry(inChannels: 4, outChannels: 8, kernelSize: 3, stride: 1, padding: 1, dilation: 2),
                             input: [2, 4, 8, 8]) == nil)
        #expect(SpaceToBatch(geometry: ConvGeometry(inChannels: 4, outChannels: 8, kernelSize: 3, stride: 1, padding: 1, dilation: 1),
                             input: [2, 4, 8, 8]) == nil)
    }

    /// `t`'s elements taken as a tensor of the same shape in `layout` (no reordering).
    static func reinterpreted(_ t: Tensor, as layout: Tensor.Layout) -> Tensor {
        var blocked = Tensor.zeros(like: t).converted(to: layout)
        blocked.data = t.data
        return blocked
    }
}
