import Foundation
import NN

/// One split of a folder data set (`FolderSource`), decoded once into memory.
///
/// Images are stored resized so that their shorter side is the training size (area averaging when
/// shrinking): augmentation scales from there, and evaluation runs on exactly that image. Label maps
/// are stored at the image's stored size for training and at their own resolution for validation
/// (mIoU is computed there). Labels are mapped (`reduceZeroLabel`) and checked when loading.
public struct FolderDataset: SegmentationDataset {
    /// What a split is used for: training keeps label maps at the stored image size, evaluation at
    /// their own resolution.
    public enum Role: Sendable { case training, evaluation }

    /// The most memory the decoded images and masks of one split may take: 4 GiB.
    public static let memoryLimit = 4 << 30

    public let source: FolderSource
    public let split: String
    public let size: Int
    public let role: Role
    /// The split's pairs, in order.
    public let samples: [FolderSample]
    let images: [PixelImage]
    let labels: [PixelImage]

    public var count: Int { images.count }
    public var classCount: Int { source.classes }
    public var ignoreIndex: UInt8 { source.ignoreIndex }

    /// Decodes split `split` of `source` for `role`; throws the first problem (a missing or unreadable
    /// file, a mask whose size differs from its image, a label outside the classes, too much memory).
    public init(source: FolderSource, split: String, size: Int, role: Role) throws {
        precondition(size >= 16 && size % 8 == 0, "the training size must be a multiple of 8, at least 16")
        let listing = FolderListing(source, split: split)
        if let problem = listing.problems.first { throw problem }
        let root = URL(fileURLWithPath: source.root)
        var images: [PixelImage] = [], labels: [PixelImage] = []
        var bytes = 0
        for sample in listing.samples {
            let (image, mask) = try Self.decode(sample, root: root, source: source)
            let stored = ImageResize.shorterSide(size, width: image.width, height: image.height)
            images.append(ImageResize.photo(image, width: stored.width, height: stored.height))
            labels.append(role == .training ? ImageResize.labels(mask, width: stored.width, height: stored.height) : mask)
            bytes += images[images.count - 1].pixels.count + labels[labels.count - 1].pixels.count
            if bytes > Self.memoryLimit {
                throw DatasetError(file: source.root, problem: "split '\(split)' needs more than \(Self.memoryLimit >> 30) GiB "
                                   + "decoded at size \(size) (the limit of a folder data set in memory)")
            }
        }
        self.source = source
        self.split = split
        self.size = size
        self.role = role
        self.samples = listing.samples
        self.images = images
        self.labels = labels
        evaluatesWholeBatches = zip(images, labels).allSatisfy {
            $0.width == size && $0.height == size && $1.width == size && $1.height == size
        }
    }

    /// One pair decoded and checked: the RGB image and its mapped labels, of one size.
    static func decode(_ sample: FolderSample, root: URL, source: FolderSource) throws -> (PixelImage, PixelImage) {
        let decoded = try sample.decode(root: root)
        var mask = decoded.mask
        for i in mask.pixels.indices {
            let label = source.label(stored: mask.pixels[i])
            guard Int(label) < source.classes || label == source.ignoreIndex else {
                throw DatasetError(file: root.appendingPathComponent(sample.mask).path,
                                   problem: "has label \(label) (stored \(mask.pixels[i])) outside 0...\(source.classes - 1) "
                                       + "and not the ignore index \(source.ignoreIndex)")
            }
            mask.pixels[i] = label
        }
        return (decoded.image, mask)
    }

    /// The stored image `index` and its labels (labels at the image's size for training).
    public func stored(_ index: Int) -> (image: PixelImage, labels: PixelImage) { (images[index], labels[index]) }

    /// Centre crops (padded where smaller) of the stored images, unaugmented.
    public func batch(_ indices: [Int]) -> (images: Tensor, labels: [UInt8]) {
        var generator = SeededGenerator(seed: 0)
        return crops(indices, augmentation: .none, generator: &generator)
    }

    /// Augmented crops: each image's scale, rotation, flip and position drawn from `generator` in turn.
    public func trainingBatch(_ indices: [Int], generator: inout SeededGenerator) -> (images: Tensor, labels: [UInt8]) {
        crops(indices, augmentation: source.augmentation, generator: &generator)
    }

    func crops(_ indices: [Int], augmentation: Augmentation, generator: inout SeededGenerator) -> (images: Tensor, labels: [UInt8]) {
        precondition(role == .training || (augmentation == .none && evaluatesWholeBatches),
                     "an evaluation split keeps its label maps at their own resolution: evaluate it through evaluationSample")
        let plane = size * size
        var batch = Tensor(shape: [indices.count, 3, size, size])
        var labelsOut = [UInt8](repeating: 0, count: indices.count * plane)
        batch.data.withUnsafeMutableBufferPointer { ip in
            labelsOut.withUnsafeMutableBufferPointer { lp in
                guard let ib = ip.baseAddress, let lb = lp.baseAddress else { return }
                for (k, index) in indices.enumerated() {
                    let image = images[index]
                    let crop = AugmentedCrop(augmentation, width: image.width, height: image.height, size: size, generator: &generator)
                    crop.render(image: image, labels: labels[index], mean: source.mean, std: source.std, ignoreIndex: ignoreIndex,
                                into: ib + k * 3 * plane, labelsOut: lb + k * plane)
                }
            }
        }
        return (batch, labelsOut)
    }

    public let evaluatesWholeBatches: Bool

    /// The stored image, normalised, and its labels (at their own resolution for the evaluation role).
    public func evaluationSample(_ index: Int) -> EvaluationSample {
        let image = images[index]
        let plane = image.width * image.height
        var tensor = Tensor(shape: [1, 3, image.height, image.width])
        for p in 0..<plane {
            for k in 0..<3 { tensor.data[k * plane + p] = (Float(image.pixels[p * 3 + k]) / 255 - source.mean[k]) / source.std[k] }
        }
        return EvaluationSample(image: tensor, labels: labels[index])
    }
}
