import NN

/// One split of labelled images that a trainer draws batches from: the seam between training and where
/// the images come from. `ShapesDataset` (the synthetic task) is one implementation.
///
/// A batch holds normalised images, [n, 3, size, size], and labels, [n * size * size]: class indices in
/// `0..<classCount`, or `ignoreIndex` for pixels that count for nothing (the loss and mIoU skip them).
/// The same indices give the same bytes every time, on any thread.
public protocol SegmentationDataset: Sendable {
    /// Images in the split.
    var count: Int { get }
    /// Classes, background included.
    var classCount: Int { get }
    /// The label of pixels to ignore.
    var ignoreIndex: UInt8 { get }
    /// The side of the square images a batch holds.
    var size: Int { get }
    /// The images `indices` and their labels.
    func batch(_ indices: [Int]) -> (images: Tensor, labels: [UInt8])
}
