import ArgumentParser
import Foundation
import Segmentation
import Sweep

/// `auxsweep data`: look at the synthetic task and at folder data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Look at the data a sweep trains on: preview it, check a folder data set, export the synthetic task.",
        subcommands: [Preview.self, Check.self, Export.self]
    )

    /// `auxsweep data preview`: a grid of images and their label maps.
    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a PNG (or PPM) grid of images beside their label maps.",
            discussion: """
                Without a sweep file: the synthetic task. Classes: 0 background (dark grey); 1-5 disc, \
                square, triangle, ring, cross outside a textured zone (saturated colours); 6-10 the same \
                shapes with their centre inside a zone (light tints). The label never depends on a \
                shape's colour. With a sweep file on folder data: each row is one training image's centre \
                crop and three augmented crops (as the first three training steps of seed 0 could draw \
                them), each beside its labels (ignored pixels white).
                """
        )

        @Argument(help: "A sweep file whose data to show (default: the synthetic task with the options below).")
        var sweepFile: String?

        @Option(help: "Output file, .png or .ppm.")
        var out: String

        @Option(help: "Seed of the synthetic images.")
        var dataSeed: UInt64 = TrainConfig.Data().seed

        @Option(help: "Image size (a multiple of 8).")
        var size = TrainConfig.Data().size

        @Option(help: "Split to show: train or val.")
        var split = "train"

        @Option(help: "Pairs per row and number of rows.")
        var grid = 4

        func validate() throws {
            guard out.hasSuffix(".png") || out.hasSuffix(".ppm") else { throw ValidationError("--out must end in .png or .ppm") }
            guard size >= 16 && size <= 512 && size % 8 == 0 else { throw ValidationError("--size must be a multiple of 8 in 16...512") }
            guard ["train", "val"].contains(split) else { throw ValidationError("--split must be train or val") }
            guard grid >= 1 && grid <= 16 else { throw ValidationError("--grid must be in 1...16") }
        }

        func run() throws {
            try reportingErrors {
                let (w, h, rgb) = try render()
                let bytes = out.hasSuffix(".png")
                    ? PNGWriter.encode(width: w, height: h, rgb: rgb)
                    : Data("P6\n\(w) \(h)\n255\n".utf8) + Data(rgb)
                do {
                    try bytes.write(to: URL(fileURLWithPath: out), options: .atomic)
                } catch {
                    throw InputError(file: out, field: "file", problem: "cannot be written (\(error.localizedDescription))")
                }
                printError("wrote \(out) (\(w)x\(h))")
            }
        }

        /// The grid's pixels: the synthetic task, or the sweep file's data.
        func render() throws -> (width: Int, height: Int, rgb: [UInt8]) {
            guard let sweepFile else {
                let dataset = ShapesDataset(seed: dataSeed, size: size, split: split == "train" ? .train : .validation,
                                            count: grid * grid)
                return DataPreview.render(dataset, columns: grid, rows: grid)
            }
            let spec = try SpecParser.load(path: sweepFile).spec
            let data = try TrainingData.load(spec.config.data)
            guard let folder = data.train as? FolderDataset else {
                let dataset = split == "train" ? data.train : data.validation
                let (images, labels) = dataset.batch(Array(0..<min(grid * grid, dataset.count)))
                let stats = [Float](repeating: ShapesDataset.mean, count: 3), spread = [Float](repeating: ShapesDataset.std, count: 3)
                return DataPreview.render(images: images, labels: labels, mean: stats, std: spread, columns: grid,
                                          rows: (images.shape[0] + grid - 1) / grid)
            }
            return DataPreview.render(augmentationsOf: folder, rows: min(grid, folder.count), crops: 3)
        }
    }
}
