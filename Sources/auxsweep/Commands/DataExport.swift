import ArgumentParser
import Foundation
import Segmentation

extension DataCommand {
    /// `auxsweep data export`: the synthetic task as a folder data set.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the synthetic task as a folder data set (pairs: PNG images; voc: JPEG images).",
            discussion: """
                Writes a new folder: for 'pairs', images/ (RGB PNG, lossless), masks/ (palette PNG) and \
                train.txt, val.txt; for 'voc', JPEGImages/ (JPEG, quality 95), SegmentationClass/ and \
                ImageSets/Segmentation/. Stems are train-000000, val-000000, ... in index order. Prints \
                the data section of a sweep file that trains on it; a 'pairs' export with augment: false \
                trains bit for bit as the synthetic task with quantized: true (same images, same order).
                """
        )

        @Option(help: "The folder to write (must not exist).")
        var out: String

        @Option(help: "pairs or voc.")
        var layout = "pairs"

        @Option(help: "Training images.")
        var train = 1000

        @Option(help: "Validation images.")
        var val = 100

        @Option(help: "Image size (a multiple of 8).")
        var size = TrainConfig.Data().size

        @Option(help: "Seed of the synthetic images.")
        var dataSeed: UInt64 = TrainConfig.Data().seed

        @Option(help: "shapes or simple-shapes.")
        var kind = ShapesDataset.Variant.full.rawValue

        func validate() throws {
            guard ["pairs", "voc"].contains(layout) else { throw ValidationError("--layout must be pairs or voc") }
            guard (1...1_000_000).contains(train), (1...1_000_000).contains(val) else { throw ValidationError("--train and --val must be in 1...1000000") }
            guard size >= 16 && size <= 256 && size % 8 == 0 else { throw ValidationError("--size must be a multiple of 8 in 16...256") }
            guard ShapesDataset.Variant(rawValue: kind) != nil else { throw ValidationError("--kind must be shapes or simple-shapes") }
            guard dataSeed <= UInt64(Int32.max) else { throw ValidationError("--data-seed must be in 0...\(Int32.max)") }
        }

        func run() throws {
            try reportingErrors {
                let variant = ShapesDataset.Variant(rawValue: kind) ?? .full
                let folderLayout: FolderSource.Layout = layout == "voc" ? .voc : .pairs
                let url = URL(fileURLWithPath: out).standardizedFileURL
                let total = train + val
                try FolderExport.write(train: ShapesDataset(seed: dataSeed, size: size, split: .train, count: train, variant: variant),
                                       validation: ShapesDataset(seed: dataSeed, size: size, split: .validation, count: val, variant: variant),
                                       layout: folderLayout, to: url) { written in
                    if written % 500 == 0 || written == total { printError("wrote \(written)/\(total) pairs") }
                }
                printLine("""
                    # \(url.path): \(train) training and \(val) validation images of \(kind), \(size)x\(size), data seed \(dataSeed).
                    # A sweep file's data section for it (the synthetic task's normalisation; augment: false trains
                    # exactly as 'data: {kind: \(kind), size: \(size), seed: \(dataSeed), train_images: \(train), val_images: \(val), quantized: true}'\(folderLayout == .voc ? " would with lossless images" : "")):
                    data:
                      kind: folder
                      root: \(url.path)
                      layout: \(folderLayout.rawValue)
                      classes: \(variant.classCount)
                      size: \(size)
                      mean: [0.5, 0.5, 0.5]
                      std: [0.25, 0.25, 0.25]
                      augment: false
                    """)
            }
        }
    }
}
