/// The shape arithmetic of a 2-D convolution: kernel, stride, padding, dilation and sizes.
public struct ConvGeometry: Sendable, Equatable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let dilation: Int

    /// The output height or width for an input of `size` (PyTorch's formula).
    public func outputSize(_ size: Int) -> Int {
        (size + 2 * padding - dilation * (kernelSize - 1) - 1) / stride + 1
    }

    /// The output's [N, outC, outH, outW] for an input of [N, inC, H, W].
    public func outputShape(input: [Int]) -> [Int] {
        [input[0], outChannels, outputSize(input[2]), outputSize(input[3])]
    }

    /// Rows of the unfolded input: inChannels * kernelSize^2.
    public var patchSize: Int { inChannels * kernelSize * kernelSize }

    /// A 1x1, stride 1, unpadded convolution reads its input directly as the GEMM operand.
    public var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }
}
