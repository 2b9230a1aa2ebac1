import Foundation

/// Writes the synthetic task as a folder data set: `pairs` (lossless PNG images, palette PNG masks,
/// `train.txt` and `val.txt`) or `voc` (JPEG images, palette PNG masks, `ImageSets/Segmentation/`).
///
/// Stems are `train-000000`, `val-000000`, ...: sorted by name they are in index order, and the split
/// lists keep that order, so a `pairs` export read back gives the same images in the same order
/// (what `kind: shapes` with `quantized: true` trains on).
public enum FolderExport {
    /// Writes `train` and `validation` under `folder` (which must not exist: it is written beside it
    /// first and moved into place, so a failed export leaves nothing).
    public static func write(train: ShapesDataset, validation: ShapesDataset, layout: FolderSource.Layout, to folder: URL,
                             progress: (Int) -> Void = { _ in }) throws {
        precondition(layout != .ade20k, "the synthetic task is exported as pairs or voc")
        let manager = FileManager.default
        guard !manager.fileExists(atPath: folder.path) else {
            throw DatasetError(file: folder.path, problem: "already exists (export writes a new folder)")
        }
        let partial = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).partial-\(getpid())")
        try? manager.removeItem(at: partial)
        do {
            let (images, masks, lists) = layout == .voc
                ? ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation")
                : ("images", "masks", "")
            for sub in [images, masks, lists] {
                try manager.createDirectory(at: partial.appendingPathComponent(sub), withIntermediateDirectories: true)
            }
            var written = 0
            for (name, split) in [("train", train), ("val", validation)] {
                var stems: [String] = []
                for index in 0..<split.count {
                    let stem = name + "-" + String(format: "%06d", index)
                    let (image, labels) = split.pixels(index)
                    let imageBytes = layout == .voc ? ImageCodec.encodeJPEG(image, quality: 95) : ImageCodec.encodePNG(image)
                    try imageBytes.write(to: partial.appendingPathComponent("\(images)/\(stem).\(layout == .voc ? "jpg" : "png")"))
                    try ImageCodec.encodePNG(labels, palette: DataPreview.paletteBytes)
                        .write(to: partial.appendingPathComponent("\(masks)/\(stem).png"))
                    stems.append(stem)
                    written += 1
                    progress(written)
                }
                try Data((stems.joined(separator: "\n") + "\n").utf8)
                    .write(to: partial.appendingPathComponent(lists.isEmpty ? "\(name).txt" : "\(lists)/\(name).txt"))
            }
            try manager.moveItem(at: partial, to: folder)
        } catch let error as DatasetError {
            try? manager.removeItem(at: partial)
            throw error
        } catch {
            try? manager.removeItem(at: partial)
            throw DatasetError(file: folder.path, problem: "cannot be written (\(error.localizedDescription))")
        }
    }
}
