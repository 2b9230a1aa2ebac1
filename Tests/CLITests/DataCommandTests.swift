import Foundation
import Segmentation
import Sweep
import TestSupport
import Testing

/// Folder data sets as a user meets them: `data export`, sweeps on VOC and ADE20K folders, `data
/// check` on a broken copy, and broken files refused before anything is written.
@Suite("Data commands", .serialized)
struct DataCommandTests {
    static func write(_ text: String, to path: URL) throws {
        try text.write(to: path, atomically: true, encoding: .utf8)
    }

    /// Steps and evaluations of a sweep by (weight, seed): (iteration, losses, lr) and (iteration, mIoU, accuracy, IoUs).
    static func rows(_ db: String, sweep: String) throws -> [String: [String]] {
        let archive = try SQLiteStore.openExisting(path: db).archive(sweep: sweep)
        var rows: [String: [String]] = [:]
        for job in archive.jobs {
            let steps = job.steps.map { "\($0.iteration) \($0.lr) \($0.mainLoss) \($0.auxLoss) \($0.totalLoss)" }
            let evaluations = job.evaluations.map { (e: EvaluationRecord) -> String in
                let classes = e.classIoU.map { $0.map { String($0) } ?? "-" }.joined(separator: ",")
                return "eval \(e.iteration) \(e.miou) \(e.pixelAccuracy) [\(classes)]"
            }
            rows["\(job.job.auxWeight)/\(job.job.seed)"] = steps + evaluations
        }
        return rows
    }

    @Test("an exported pairs folder with augmentation off gives the same rows, bit for bit, as the quantised synthetic task")
    func exportedPairsSameRows() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let export = try CLIRunner.run(["data", "export", "--out", "pairs", "--layout", "pairs", "--train", "48", "--val", "12",
                                        "--size", "32", "--data-seed", "5"], in: dir)
        #expect(export.status == 0)
        #expect(export.stdout.contains("  layout: pairs\n  classes: 11\n  size: 32\n  mean: [0.5, 0.5, 0.5]\n  std: [0.25, 0.25, 0.25]\n  augment: false"))
        let common = "aux_weights: [0, 0.5]\nseeds: 2\nmodel: {blocks: [1, 1, 1, 1]}\ntrain: {iterations: 40, batch: 4, eval_every: 20}\n"
        try Self.write("name: synthetic\n\(common)data: {size: 32, seed: 5, train_images: 48, val_images: 12, quantized: true}\n",
                       to: dir.appendingPathComponent("synthetic.yaml"))
        try Self.write("name: folder\n\(common)data: {kind: folder, root: pairs, layout: pairs, classes: 11, size: 32, "
                       + "mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], augment: false}\n", to: dir.appendingPathComponent("folder.yaml"))
        let db = dir.appendingPathComponent("results.sqlite").path
        for file in ["synthetic.yaml", "folder.yaml"] {
            let run = try CLIRunner.run(["run", file, "--db", db], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let synthetic = try Self.rows(db, sweep: "synthetic"), folder = try Self.rows(db, sweep: "folder")
        #expect(synthetic.count == 4 && synthetic.values.allSatisfy { $0.count == 42 })
        #expect(folder == synthetic)
    }

    @Test("sweeps on a VOC and an ADE20K folder (with PSPNet's augmentation) train, evaluate and report", arguments: ["voc", "ade20k"])
    func layoutsTrain(_ layout: String) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("data")
        if layout == "voc" { try TestFolders.voc(at: root, train: 16, val: 5) } else { try TestFolders.ade20k(at: root, train: 16, val: 5) }
        try Self.write("""
            name: \(layout)
            aux_weights: [0, 0.4]
            seeds: 2
            data: {kind: folder, root: data, layout: \(layout), classes: 6, size: 32\(layout == "ade20k" ? ", reduce_zero_label: true" : "")}
            model: {blocks: [1, 1, 1, 1]}
            train: {iterations: 30, batch: 4, eval_every: 15}
            """, to: dir.appendingPathComponent("sweep.yaml"))
        let db = dir.appendingPathComponent("results.sqlite").path
        let run = try CLIRunner.run(["run", "sweep.yaml", "--db", db], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Sweep \(layout): final validation mIoU per aux weight"))
        let archive = try SQLiteStore.openExisting(path: db).archive(sweep: layout)
        #expect(archive.jobs.count == 4 && archive.jobs.allSatisfy { $0.job.status == .done && $0.steps.count == 30 && $0.evaluations.count == 2 })
        let report = try CLIRunner.run(["report", "--db", db, "--sweep", layout, "--format", "json"], in: dir)
        #expect(report.status == 0 && report.stdout.contains("\"weights\""))
        // The stored spec carries base_dir: a worker started elsewhere finds the folder.
        #expect(archive.sweep.spec.contains("base_dir: \"\(dir.standardizedFileURL.path)\""))
    }

    @Test("data check lists the pairs, sizes and class pixels of a sound folder, and each problem planted in a broken copy")
    func check() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sound = dir.appendingPathComponent("voc"), broken = dir.appendingPathComponent("broken")
        try TestFolders.voc(at: sound, train: 6, val: 3)
        let ok = try CLIRunner.run(["data", "check", "--root", "voc", "--layout", "voc", "--classes", "6"], in: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
        let lines = ok.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "folder \(sound.standardizedFileURL.path) (layout voc, 6 classes, ignore index 255)")
        #expect(lines[1] == "split train: 6 pairs, 6 usable; widths 40-61, heights 40-62")
        #expect(lines[2] == "split val: 3 pairs, 3 usable; widths 40-54, heights 40-62")
        #expect(lines[3].hasPrefix("class") && lines.count == 4 + 6 + 1 && lines.last?.hasPrefix("ignore") == true)

        try FileManager.default.copyItem(at: sound, to: broken)
        func path(_ relative: String) -> URL { broken.appendingPathComponent(relative) }
        try FileManager.default.removeItem(at: path("SegmentationClass/2007_train_0.png"))                       // no mask
        try Self.write("2007_train_0\n2007_train_1\n2007_train_2\n2007_train_3\n2007_train_4\n2007_train_5\nmissing\n",
                       to: path("ImageSets/Segmentation/train.txt"))                                              // no image
        let jpeg = try Data(contentsOf: path("JPEGImages/2007_train_1.jpg"))
        try jpeg.prefix(jpeg.count / 2).write(to: path("JPEGImages/2007_train_1.jpg"))                            // truncated
        try ImageCodec.encodePNG(PixelImage(width: 9, height: 9, channels: 1, pixels: [UInt8](repeating: 0, count: 81)))
            .write(to: path("SegmentationClass/2007_train_2.png"))                                                // wrong size
        let (w3, h3) = TestFolders.crop(3)
        try ImageCodec.encodePNG(PixelImage(width: w3, height: h3, channels: 1, pixels: [UInt8](repeating: 9, count: w3 * h3)))
            .write(to: path("SegmentationClass/2007_train_3.png"))                                                // label 9 of 6
        try ImageCodec.encodePNG(PixelImage(width: 40, height: 40, channels: 3, pixels: [UInt8](repeating: 1, count: 4800)))
            .write(to: path("SegmentationClass/2007_val_0.png"))                                                  // RGB mask
        try Data().write(to: path("JPEGImages/2007_val_1.jpg"))                                                  // empty
        let result = try CLIRunner.run(["data", "check", "--root", "broken", "--layout", "voc", "--classes", "6"], in: dir)
        #expect(result.status == 2)
        let b = broken.standardizedFileURL.path
        let problems = result.stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("decoded") }
        #expect(problems == [
            "auxsweep: \(b)/JPEGImages/2007_train_0.jpg: has no mask SegmentationClass/2007_train_0.png",
            "auxsweep: \(b)/JPEGImages/missing: has no image (.jpg, .jpeg or .png)",
            "auxsweep: \(b)/JPEGImages/2007_train_1.jpg: is a corrupt or truncated JPEG (Premature end of JPEG file)",
            "auxsweep: \(b)/SegmentationClass/2007_train_2.png: is 9x9 but its image is 54x62",
            "auxsweep: \(b)/SegmentationClass/2007_train_3.png: has \(w3 * h3) pixels with stored values outside the 6 classes and not the ignore index 255: 9",
            "auxsweep: \(b)/SegmentationClass/2007_val_0.png: is a colour PNG; a mask must be an 8-bit grey or palette PNG (one class index a pixel)",
            "auxsweep: \(b)/JPEGImages/2007_val_1.jpg: is empty",
            "auxsweep: data check: 7 problems in \(b)",
        ])
        #expect(result.stdout.contains("split train: 5 pairs, 2 usable"))
    }

    @Test("a folder both splits share is missing: data check says so once; flags for --root only are refused with a sweep file")
    func sharedFolderMissing() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let voc = dir.appendingPathComponent("voc")
        try TestFolders.voc(at: voc, train: 2, val: 1)
        try FileManager.default.removeItem(at: voc.appendingPathComponent("SegmentationClass"))
        let result = try CLIRunner.run(["data", "check", "--root", "voc", "--layout", "voc", "--classes", "6"], in: dir)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("decoded") }
        let missing = lines.filter { $0.hasSuffix("SegmentationClass: folder is missing") }
        let n = lines.count - 1
        #expect(missing.count == 1 && lines.last == "auxsweep: data check: \(n) problem\(n == 1 ? "" : "s") in \(voc.standardizedFileURL.path)", "\(lines)")

        try Self.write("name: s\ndata: {kind: folder, root: voc, layout: voc, classes: 6, size: 32}\n", to: dir.appendingPathComponent("s.yaml"))
        let flagged = try CLIRunner.run(["data", "check", "s.yaml", "--ignore-index", "200"], in: dir)
        #expect(flagged.status == 64 && flagged.stderr.contains("--ignore-index"), "\(flagged.stderr)")
        let neither = try CLIRunner.run(["data", "check"], in: dir)
        #expect(neither.status == 64 && neither.stderr.contains("give a sweep file or --root (with --layout and --classes)\n"), "\(neither.stderr)")
    }

    @Test("a broken image: run exits 2 with one line naming it, and nothing is written; export writes no folder twice")
    func brokenImageRefused() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestFolders.voc(at: dir.appendingPathComponent("voc"), train: 4, val: 2)
        let image = dir.appendingPathComponent("voc/JPEGImages/2007_val_1.jpg")
        let bytes = try Data(contentsOf: image)
        try bytes.prefix(200).write(to: image)
        try Self.write("name: broken\ndata: {kind: folder, root: voc, layout: voc, classes: 6, size: 32}\n", to: dir.appendingPathComponent("s.yaml"))
        let db = dir.appendingPathComponent("results.sqlite").path
        let run = try CLIRunner.run(["run", "s.yaml", "--db", db], in: dir)
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("auxsweep: \(image.standardizedFileURL.path): is a corrupt or truncated JPEG"))
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: db))
        // Export refuses to write over a folder.
        let export = try CLIRunner.run(["data", "export", "--out", "voc"], in: dir)
        #expect(export.status == 2 && export.stderr == "auxsweep: \(dir.appendingPathComponent("voc").standardizedFileURL.path): already exists (export writes a new folder)\n")
    }

    @Test("data preview of a folder sweep shows centre and augmented crops")
    func preview() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestFolders.ade20k(at: dir.appendingPathComponent("ade"), train: 4, val: 2)
        try Self.write("name: p\ndata: {kind: folder, root: ade, layout: ade20k, classes: 6, size: 32, reduce_zero_label: true}\n",
                       to: dir.appendingPathComponent("p.yaml"))
        let result = try CLIRunner.run(["data", "preview", "p.yaml", "--out", "p.png", "--grid", "3"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let png = try ImageCodec.decodeImage(Data(contentsOf: dir.appendingPathComponent("p.png")), file: "p.png")
        #expect(png.width == 4 * (2 * 32 + 6) && png.height == 3 * (32 + 2) + 2)
    }
}
