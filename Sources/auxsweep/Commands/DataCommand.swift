import ArgumentParser
import Foundation
import Segmentation

/// `auxsweep data`: look at the synthetic task.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect the synthetic shapes task.",
        subcommands: [Preview.self]
    )

    /// `auxsweep data preview`: a grid of images and their label maps.
    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a PNG (or PPM) grid of synthetic images beside their label maps.",
            discussion: """
                Classes: 0 background (dark grey); 1-5 disc, square, triangle, ring, cross outside a \
                textured zone (saturated colours); 6-10 the same shapes with their centre inside a zone \
                (light tints). The label never depends on a shape's colour.
                """
        )

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
                let dataset = ShapesDataset(seed: dataSeed, size: size, split: split == "train" ? .train : .validation,
                                            count: grid * grid)
                let (w, h, rgb) = DataPreview.render(dataset, columns: grid, rows: grid)
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
    }
}
