import Foundation
import Segmentation

/// Folder data sets made by the tests from the synthetic task: PASCAL VOC and ADE20K layouts with
/// images of several sizes, JPEG images, and masks as those data sets store them.
public enum TestFolders {
    /// A new empty folder under the system's temporary folder.
    public static func temporary(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("auxsweep-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The width and height of test image `index`: between 40 and 64 pixels, mostly not square.
    public static func crop(_ index: Int) -> (width: Int, height: Int) { (40 + (index * 7) % 25, 40 + (index * 11) % 25) }

    /// Synthetic image `index` of a split (simple shapes, 6 classes), cut to its test size.
    static func image(_ split: ShapesDataset.Split, _ index: Int) -> (image: PixelImage, labels: PixelImage) {
        let (image, labels) = ShapesDataset(seed: 77, size: 64, split: split, count: index + 1, variant: .simple).pixels(index)
        let (w, h) = crop(index)
        var rgb: [UInt8] = [], classes: [UInt8] = []
        for y in 0..<h {
            rgb += image.pixels[(y * 64 * 3)..<((y * 64 + w) * 3)]
            classes += labels.pixels[(y * 64)..<(y * 64 + w)]
        }
        return (PixelImage(width: w, height: h, channels: 3, pixels: rgb), PixelImage(width: w, height: h, channels: 1, pixels: classes))
    }

    /// A PASCAL VOC folder: `JPEGImages/*.jpg`, palette `SegmentationClass/*.png` whose object
    /// outlines are 255 (as VOC's are), `ImageSets/Segmentation/{train,val}.txt`. 6 classes.
    @discardableResult
    public static func voc(at root: URL, train: Int, val: Int) throws -> FolderSource {
        let manager = FileManager.default
        for sub in ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation"] {
            try manager.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for (name, split, count) in [("train", ShapesDataset.Split.train, train), ("val", .validation, val)] {
            var stems: [String] = []
            for index in 0..<count {
                let stem = "2007_\(name)_\(index)"
                var (image, labels) = image(split, index)
                // Outlines: a pixel whose right or lower neighbour has another class is ignored.
                let original = labels.pixels
                for y in 0..<(labels.height - 1) {
                    for x in 0..<(labels.width - 1) {
                        let p = y * labels.width + x
                        if original[p] != original[p + 1] || original[p] != original[p + labels.width] { labels.pixels[p] = 255 }
                    }
                }
                try ImageCodec.encodeJPEG(image, quality: 95).write(to: root.appendingPathComponent("JPEGImages/\(stem).jpg"))
                try ImageCodec.encodePNG(labels, palette: DataPreview.paletteBytes)
                    .write(to: root.appendingPathComponent("SegmentationClass/\(stem).png"))
                stems.append(stem)
            }
            try (stems.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent("ImageSets/Segmentation/\(name).txt"),
                                                          atomically: true, encoding: .utf8)
        }
        return FolderSource(root: root.path, layout: .voc, classes: 6)
    }

    /// An ADE20K folder (mmsegmentation's layout): `images/{training,validation}/*.jpg` and grey
    /// `annotations/.../*.png` storing class + 1, with 0 (void) on a 3-pixel frame. 6 classes with
    /// `reduceZeroLabel`.
    @discardableResult
    public static func ade20k(at root: URL, train: Int, val: Int) throws -> FolderSource {
        let manager = FileManager.default
        for (name, split, count) in [("training", ShapesDataset.Split.train, train), ("validation", .validation, val)] {
            try manager.createDirectory(at: root.appendingPathComponent("images/\(name)"), withIntermediateDirectories: true)
            try manager.createDirectory(at: root.appendingPathComponent("annotations/\(name)"), withIntermediateDirectories: true)
            for index in 0..<count {
                let stem = "ADE_\(name)_" + String(format: "%08d", index + 1)
                var (image, labels) = image(split, index)
                for y in 0..<labels.height {
                    for x in 0..<labels.width {
                        let frame = x < 3 || y < 3 || x >= labels.width - 3 || y >= labels.height - 3
                        labels.pixels[y * labels.width + x] = frame ? 0 : labels.pixels[y * labels.width + x] + 1
                    }
                }
                try ImageCodec.encodeJPEG(image, quality: 95).write(to: root.appendingPathComponent("images/\(name)/\(stem).jpg"))
                try ImageCodec.encodePNG(labels).write(to: root.appendingPathComponent("annotations/\(name)/\(stem).png"))
            }
        }
        var source = FolderSource(root: root.path, layout: .ade20k, classes: 6)
        source.reduceZeroLabel = true
        return source
    }
}
