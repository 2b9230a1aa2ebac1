import ArgumentParser
import Foundation
import Segmentation
import Sweep

extension DataCommand {
    /// `auxsweep data check`: every problem of a folder data set, and what it holds.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a folder data set: counts, image sizes, class pixels, and every problem.",
            discussion: """
                Give the sweep file that names the folder ('data: {kind: folder, ...}'), or the folder \
                itself with --root, --layout and --classes. Every image and mask of the training and \
                validation splits is decoded once. Prints the pairs per split, the image sizes and the \
                pixels of each class (after reduce_zero_label); then, on stderr, one line per problem \
                (a missing split list or folder, an image without a mask or a mask without an image, a \
                file that does not decode, a mask whose size differs from its image's, labels outside \
                0..classes-1 and not the ignore index), at most 20 and then their count, and exits 2 if \
                there was any.
                """
        )

        @Argument(help: "A sweep file with 'data: {kind: folder, ...}'.")
        var sweepFile: String?

        @Option(help: "The data set's folder (instead of a sweep file).")
        var root: String?

        @Option(help: "With --root: voc, ade20k or pairs.")
        var layout: String?

        @Option(help: "With --root: the number of classes.")
        var classes: Int?

        @Option(help: "With --root: the label that is ignored (default 255).")
        var ignoreIndex: Int?

        @Flag(help: "With --root: ADE20K's convention, 0 is void and k becomes k - 1.")
        var reduceZeroLabel = false

        @Option(help: "With --root: the training split's name (default per layout: train, or training for ade20k).")
        var trainSplit: String?

        @Option(help: "With --root: the validation split's name (default per layout: val, or validation for ade20k).")
        var valSplit: String?

        static let shownProblems = 20

        func validate() throws {
            if sweepFile == nil && root == nil { throw ValidationError("give a sweep file or --root (with --layout and --classes)") }
            if sweepFile != nil && root != nil { throw ValidationError("give a sweep file or --root, not both") }
            if sweepFile != nil && (layout != nil || classes != nil || ignoreIndex != nil || trainSplit != nil || valSplit != nil || reduceZeroLabel) {
                throw ValidationError("--layout, --classes, --ignore-index, --train-split, --val-split and --reduce-zero-label go with --root")
            }
            if root != nil {
                guard let layout, FolderSource.Layout(rawValue: layout) != nil else { throw ValidationError("--layout must be voc, ade20k or pairs") }
                guard let classes, (2...254).contains(classes) else { throw ValidationError("--classes must be in 2...254 (PSPNet-mini's limit)") }
                guard (classes...255).contains(ignoreIndex ?? 255) else { throw ValidationError("--ignore-index must be in \(classes)...255") }
            }
        }

        func run() throws {
            try reportingErrors {
                let source = try folderSource()
                let check = FolderCheck(source) { done, total in
                    if done % 1000 == 0 { printError("decoded \(done)/\(total)") }
                }
                printLine(Self.rendered(check, source: source))
                guard !check.problems.isEmpty else { return }
                for problem in check.problems.prefix(Self.shownProblems) { printError("auxsweep: \(problem)") }
                if check.problems.count > Self.shownProblems {
                    printError("auxsweep: ... and \(check.problems.count - Self.shownProblems) more problems")
                }
                printError("auxsweep: data check: \(check.problems.count) problem\(check.problems.count == 1 ? "" : "s") in \(source.root)")
                throw ExitCode(2)
            }
        }

        func folderSource() throws -> FolderSource {
            if let sweepFile {
                let spec = try SpecParser.load(path: sweepFile, fingerprintingData: false).spec
                guard let folder = spec.config.data.folder else {
                    throw InputError(file: sweepFile, field: "data.kind", problem: "is not 'folder' (the synthetic task needs no check)")
                }
                return folder
            }
            guard let root, let layout, let kind = FolderSource.Layout(rawValue: layout), let classes else {
                preconditionFailure("validate() requires --root, --layout and --classes together")
            }
            var isFolder: ObjCBool = false
            let url = URL(fileURLWithPath: root).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw InputError(file: root, field: "--root", problem: "is not a folder")
            }
            var source = FolderSource(root: url.path, layout: kind, classes: classes)
            source.ignoreIndex = UInt8(ignoreIndex ?? 255)
            source.reduceZeroLabel = reduceZeroLabel
            if let trainSplit { source.trainSplit = trainSplit }
            if let valSplit { source.validationSplit = valSplit }
            return source
        }

        /// The summary: the folder, one line per split, and a table of class pixels per split.
        static func rendered(_ check: FolderCheck, source: FolderSource) -> String {
            var lines = ["folder \(source.root) (layout \(source.layout.rawValue), \(source.classes) classes, ignore index "
                         + "\(source.ignoreIndex)\(source.reduceZeroLabel ? ", reduce_zero_label" : ""))"]
            for split in check.splits {
                let sizes = split.usable == 0 ? "no usable pairs"
                    : "widths \(split.minWidth)-\(split.maxWidth), heights \(split.minHeight)-\(split.maxHeight)"
                lines.append("split \(split.name): \(split.pairs) pairs, \(split.usable) usable; \(sizes)")
            }
            let header = ["class"] + check.splits.map { "\($0.name) pixels" }
            var rows: [[String]] = (0..<source.classes).map { c in
                ["\(c)"] + check.splits.map { split in percent(split.classPixels[c], of: split) }
            }
            rows.append(["ignore"] + check.splits.map { percent($0.ignoredPixels, of: $0) })
            let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { i, cell in
                    i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[i] - cell.count) + cell
                }.joined(separator: "  ")
            }
            lines.append(line(header))
            lines += rows.map(line)
            return lines.joined(separator: "\n")
        }

        static func percent(_ pixels: Int, of split: FolderCheck.Split) -> String {
            let total = split.classPixels.reduce(0, +) + split.ignoredPixels
            return total == 0 ? "0" : "\(pixels) (\(String(format: "%.1f", 100 * Double(pixels) / Double(total)))%)"
        }
    }
}
