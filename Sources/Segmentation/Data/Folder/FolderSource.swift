/// A segmentation data set on disk: where it is, how its folders are laid out, what its labels mean,
/// how training crops are augmented, and a fingerprint of its contents.
///
/// Its identity (`Identity`, what a sweep's hash includes) holds everything but `root`: the same
/// files at another path are the same data, and changed files (another fingerprint) are never the
/// same data.
public struct FolderSource: Sendable, Equatable {
    /// How the images, masks and splits are laid out under the root.
    public enum Layout: String, Sendable, Codable, CaseIterable {
        /// PASCAL VOC: `JPEGImages/<id>.jpg`, `SegmentationClass/<id>.png` (palette index = class),
        /// `ImageSets/Segmentation/<split>.txt`.
        case voc
        /// ADE20K (mmsegmentation's layout): `images/<split>/*.jpg`, `annotations/<split>/<stem>.png`,
        /// splits `training` and `validation`, 0 = void.
        case ade20k
        /// `images/` and `masks/` with matching stems; split lists `<split>.txt` (one stem a line) at
        /// the root, or, when there are none, every 10th image (by name) for validation.
        case pairs

        /// The split names used when the sweep file gives none.
        public var defaultSplits: (train: String, validation: String) {
            self == .ade20k ? ("training", "validation") : ("train", "val")
        }
    }

    /// The folder, an absolute path.
    public var root: String
    public var layout: Layout
    /// Classes, labels 0..<classes (after `reduceZeroLabel`).
    public var classes: Int
    /// The label that counts for nothing (loss and mIoU skip it); also the label of padding.
    public var ignoreIndex: UInt8 = 255
    /// ADE20K's convention: label 0 (void) becomes the ignore index and k becomes k - 1.
    public var reduceZeroLabel = false
    public var trainSplit: String
    public var validationSplit: String
    /// Per-channel normalisation of [0, 1] pixel values: (value - mean) / std. ImageNet's by default,
    /// as PSPNet's recipe.
    public var mean: [Float] = [0.485, 0.456, 0.406]
    public var std: [Float] = [0.229, 0.224, 0.225]
    public var augmentation = Augmentation()
    /// `FolderFingerprint` of the files the splits name (empty until computed).
    public var fingerprint = ""

    public init(root: String, layout: Layout, classes: Int) {
        self.root = root
        self.layout = layout
        self.classes = classes
        (trainSplit, validationSplit) = layout.defaultSplits
    }

    /// What identifies the data: every field but the root.
    public struct Identity: Encodable {
        let layout: Layout, classes: Int, ignore_index: UInt8, reduce_zero_label: Bool
        let train_split: String, val_split: String, mean: [Float], std: [Float]
        let augmentation: Augmentation, fingerprint: String
    }

    public var identity: Identity {
        Identity(layout: layout, classes: classes, ignore_index: ignoreIndex, reduce_zero_label: reduceZeroLabel,
                 train_split: trainSplit, val_split: validationSplit, mean: mean, std: std,
                 augmentation: augmentation, fingerprint: fingerprint)
    }

    /// The class of a stored mask value: the value itself, or with `reduceZeroLabel` 0 -> ignore and
    /// k -> k - 1 (the ignore value stays).
    public func label(stored value: UInt8) -> UInt8 {
        guard reduceZeroLabel else { return value }
        if value == 0 || value == ignoreIndex { return ignoreIndex }
        return value - 1
    }
}
