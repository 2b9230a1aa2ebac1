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

    public init(seed: UInt64, size: Int, split: Split, count: Int, variant: Variant = .full) {
        precondition(size >= 16 && size % 8 == 0, "image size must be a multiple of 8, at least 16, got \(size)")
        precondition(count > 0, "a split needs at least one image")
        self.seed = seed
        self.size = size
        self.split = split
        self.count = count
        self.variant = variant
    }

    /// Writes image `index` (normalised, [3, size, size]) and its labels ([size, size]) into the
    /// given buffers.
    public func render(_ index: Int, image: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<UInt8>) {
        precondition(index >= 0 && index < count, "image index \(index) outside 0..<\(count)")
        var g = SeededGenerator(seed: seed, stream: split.rawValue << 40 | UInt64(index))
        let scene = Scene(size: size, variant: variant, generator: &g)
        scene.draw(size: size, image: image, labels: labels, generator: &g)
        let plane = size * size
        for i in 0..<(3 * plane) { image[i] = (image[i] - Self.mean) / Self.std }
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
