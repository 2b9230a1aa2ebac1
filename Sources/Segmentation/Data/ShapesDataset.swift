import NN

/// The synthetic segmentation task: textured scenes with shapes whose class depends on the shape and
/// on whether its centre lies inside a textured "zone", never on its colour.
///
/// Image i of a split comes from its own seeded generator, so any image can be made alone, in any
/// order, on any thread, and the same seed gives the same bytes everywhere.
///
/// Classes: 0 = background; 1-5 = disc, square, triangle, ring, cross outside a zone; 6-10 = the same
/// shapes with their centre inside a zone. A pixel covered by several shapes takes the topmost.
/// No pixel is labelled 255 (ignore): shapes are drawn without anti-aliasing, so every pixel has a
/// well-defined class.
public struct ShapesDataset: SegmentationDataset {
    /// Which half of the data: the splits draw from disjoint generator streams.
    public enum Split: UInt64, Sendable { case train = 1, validation = 2 }

    /// Which version of the task.
    public enum Variant: String, Sendable, CaseIterable, Codable {
        /// The full task: zones, 11 classes, shapes of radius 14-26 % of the image.
        case full = "shapes"
        /// The demo's easier task: no zones, 6 classes (background and the five shapes), one or two
        /// larger shapes (radius 22-34 %), so a small network learns it in a few hundred steps.
        case simple = "simple-shapes"

        /// The number of classes, background included.
        public var classCount: Int { self == .full ? 1 + 2 * ShapesDataset.shapeKinds.count : 1 + ShapesDataset.shapeKinds.count }
    }

    public static let shapeKinds = ["disc", "square", "triangle", "ring", "cross"]
    /// Background plus each shape outside and inside a zone.
    public static let classCount = Variant.full.classCount
    /// Per-channel normalisation: the network sees (value - 0.5) / 0.25 for values in [0, 1].
    public static let mean: Float = 0.5, std: Float = 0.25

    public let seed: UInt64
    public let size: Int
    public let split: Split
    public let count: Int
    public let variant: Variant
    /// Whether pixel values are rounded to 8 bits (k / 255) before normalising, as a PNG stores them.
    public let quantized: Bool

    public init(seed: UInt64, size: Int, split: Split, count: Int, variant: Variant = .full, quantized: Bool = false) {
        precondition(size >= 16 && size % 8 == 0, "image size must be a multiple of 8, at least 16, got \(size)")
        precondition(count > 0, "a split needs at least one image")
        self.seed = seed
        self.size = size
        self.split = split
        self.count = count
        self.variant = variant
        self.quantized = quantized
    }

    /// Writes image `index` (normalised, [3, size, size]) and its labels ([size, size]) into the
    /// given buffers.
    public func render(_ index: Int, image: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<UInt8>) {
        drawUnnormalised(index, image: image, labels: labels)
        let plane = size * size
        if quantized {
            // The folder data set's normalisation of a byte, to the bit: (k / 255 - mean) / std.
            for i in 0..<(3 * plane) { image[i] = (Self.byte(image[i]) / 255 - Self.mean) / Self.std }
        } else {
            for i in 0..<(3 * plane) { image[i] = (image[i] - Self.mean) / Self.std }
        }
    }

    /// Draws image `index` with values in [0, 1] ([3, size, size]) and its labels ([size, size]).
    private func drawUnnormalised(_ index: Int, image: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<UInt8>) {
        precondition(index >= 0 && index < count, "image index \(index) outside 0..<\(count)")
        var g = SeededGenerator(seed: seed, stream: split.rawValue << 40 | UInt64(index))
        let scene = Scene(size: size, variant: variant, generator: &g)
        scene.draw(size: size, image: image, labels: labels, generator: &g)
    }

    /// The byte an 8-bit file stores for a value in [0, 1], as a float: round(value * 255).
    public static func byte(_ value: Float) -> Float { (value * 255).rounded() }

    /// Image `index` as 8-bit RGB (row by row) and its labels: what `data export` writes.
    public func pixels(_ index: Int) -> (image: PixelImage, labels: PixelImage) {
        let plane = size * size
        var floats = [Float](repeating: 0, count: 3 * plane)
        var labels = [UInt8](repeating: 0, count: plane)
        floats.withUnsafeMutableBufferPointer { f in
            labels.withUnsafeMutableBufferPointer { l in
                guard let fp = f.baseAddress, let lp = l.baseAddress else { return }
                drawUnnormalised(index, image: fp, labels: lp)
            }
        }
        var rgb = [UInt8](repeating: 0, count: 3 * plane)
        for p in 0..<plane { for k in 0..<3 { rgb[p * 3 + k] = UInt8(Self.byte(floats[k * plane + p])) } }
        return (PixelImage(width: size, height: size, channels: 3, pixels: rgb),
                PixelImage(width: size, height: size, channels: 1, pixels: labels))
    }

    /// Classes of this variant, background included.
    public var classCount: Int { variant.classCount }

    /// 255; no pixel of the synthetic task carries it.
    public var ignoreIndex: UInt8 { 255 }

    /// A batch of images: [indices.count, 3, size, size] and labels [indices.count * size * size].
    public func batch(_ indices: [Int]) -> (images: Tensor, labels: [UInt8]) {
        let plane = size * size
        var images = Tensor(shape: [indices.count, 3, size, size])
        var labels = [UInt8](repeating: 0, count: indices.count * plane)
        images.data.withUnsafeMutableBufferPointer { ip in
            labels.withUnsafeMutableBufferPointer { lp in
                for (k, index) in indices.enumerated() {
                    guard let image = ip.baseAddress, let label = lp.baseAddress else { return }
                    render(index, image: image + k * 3 * plane, labels: label + k * plane)
                }
            }
        }
        return (images, labels)
    }
}
