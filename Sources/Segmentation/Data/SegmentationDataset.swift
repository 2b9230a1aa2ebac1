import NN

/// One split of labelled images that a trainer draws batches from: the seam between training and where
/// the images come from. `ShapesDataset` (the synthetic task) and `FolderDataset` (images and masks on
/// disk) implement it.
///
/// A batch holds normalised images, [n, 3, size, size], and labels, [n * size * size]: class indices in
/// `0..<classCount`, or `ignoreIndex` for pixels that count for nothing (the loss and mIoU skip them).
/// The same indices (and generator state) give the same bytes every time, on any thread.
public protocol SegmentationDataset: Sendable {
    /// Images in the split.
    var count: Int { get }
    /// Classes, background included.
    var classCount: Int { get }
    /// The label of pixels to ignore.
    var ignoreIndex: UInt8 { get }
    /// The side of the square images a batch holds.
    var size: Int { get }
    /// The images `indices` and their labels, unaugmented (folder images: their centre crops).
    func batch(_ indices: [Int]) -> (images: Tensor, labels: [UInt8])
    /// A training batch: the images `indices` augmented with draws from `generator` (the synthetic
    /// task's images are not augmented: it is `batch`).
    func trainingBatch(_ indices: [Int], generator: inout SeededGenerator) -> (images: Tensor, labels: [UInt8])
    /// Whether every image and label map of the split is exactly `size` x `size`, so evaluation runs
    /// on `batch` as it is (else on `evaluationSample`, window by window).
    var evaluatesWholeBatches: Bool { get }
    /// Image `index` for evaluation: normalised, [1, 3, h, w] with its shorter side `size`, and its
    /// labels at their own resolution.
    func evaluationSample(_ index: Int) -> EvaluationSample
}

/// One validation image as evaluation sees it.
public struct EvaluationSample {
    /// [1, 3, h, w], the shorter side the data set's size.
    public let image: Tensor
    /// Class labels (one channel) at the label map's own resolution.
    public let labels: PixelImage
}

extension SegmentationDataset {
    public func trainingBatch(_ indices: [Int], generator: inout SeededGenerator) -> (images: Tensor, labels: [UInt8]) {
        batch(indices)
    }

    public var evaluatesWholeBatches: Bool { true }

    public func evaluationSample(_ index: Int) -> EvaluationSample {
        let (image, labels) = batch([index])
        return EvaluationSample(image: image, labels: PixelImage(width: size, height: size, channels: 1, pixels: labels))
    }
}
