/// An 8-bit image in memory: `channels` bytes a pixel (3: RGB, 1: grey or class labels), rows top
/// to bottom.
public struct PixelImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3), "an image needs a size and 1 or 3 channels")
        precondition(pixels.count == width * height * channels, "\(pixels.count) bytes for a \(width)x\(height)x\(channels) image")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Pixels of the image, width times height.
    public var area: Int { width * height }
}
