import Foundation

/// Everything `auxsweep data check` finds in a folder data set: per split the images, their sizes and
/// the pixels of each class, and every problem (a missing split list or folder, an image without a
/// mask or a mask without an image, a file that does not decode, a mask whose size differs from its
/// image's, labels outside the classes and not the ignore index).
public struct FolderCheck: Sendable {
    /// What one split holds.
    public struct Split: Sendable, Codable {
        public let name: String
        /// Pairs listed with both files present.
        public let pairs: Int
        /// Pairs that decoded and fit.
        public let usable: Int
        /// The smallest and largest widths and heights of the usable images (0 when none).
        public let minWidth, maxWidth, minHeight, maxHeight: Int
        /// Pixels per class after the label mapping, and pixels ignored.
        public let classPixels: [Int]
        public let ignoredPixels: Int
    }

    public let splits: [Split]
    public let problems: [DatasetError]

    /// Checks the training and validation splits of `source`, decoding every file once (one pair in
    /// memory at a time).
    public init(_ source: FolderSource, progress: (Int, Int) -> Void = { _, _ in }) {
        var splits: [Split] = [], problems: [DatasetError] = []
        let root = URL(fileURLWithPath: source.root)
        let listings = [source.trainSplit, source.validationSplit].map { FolderListing(source, split: $0) }
        let total = listings.map(\.samples.count).reduce(0, +)
        var done = 0
        for listing in listings {
            // Both splits look at the shared image and mask folders: a problem there is listed once.
            problems += listing.problems.filter { !problems.contains($0) }
            var pixels = [Int](repeating: 0, count: source.classes), ignored = 0, usable = 0
            var widths: [Int] = [], heights: [Int] = []
            for sample in listing.samples {
                done += 1
                progress(done, total)
                let image: PixelImage, mask: PixelImage
                do {
                    (image, mask) = try sample.decode(root: root)
                } catch let error as DatasetError {
                    problems.append(error)
                    continue
                } catch {
                    problems.append(DatasetError(file: root.appendingPathComponent(sample.image).path, problem: "\(error)"))
                    continue
                }
                var outside: [UInt8: Int] = [:]
                for value in mask.pixels {
                    let label = source.label(stored: value)
                    if label == source.ignoreIndex {
                        ignored += 1
                    } else if Int(label) < source.classes {
                        pixels[Int(label)] += 1
                    } else {
                        outside[value, default: 0] += 1
                    }
                }
                if !outside.isEmpty {
                    let values = outside.keys.sorted().prefix(8).map { "\($0)" }.joined(separator: ", ")
                    problems.append(DatasetError(file: root.appendingPathComponent(sample.mask).path, problem: "has \(outside.values.reduce(0, +)) pixels with stored values outside "
                                                 + "the \(source.classes) classes and not the ignore index \(source.ignoreIndex): \(values)"
                                                 + (outside.count > 8 ? ", ..." : "")))
                    continue
                }
                usable += 1
                widths.append(image.width)
                heights.append(image.height)
            }
            splits.append(Split(name: listing.split, pairs: listing.samples.count, usable: usable,
                                minWidth: widths.min() ?? 0, maxWidth: widths.max() ?? 0,
                                minHeight: heights.min() ?? 0, maxHeight: heights.max() ?? 0,
                                classPixels: pixels, ignoredPixels: ignored))
        }
        self.splits = splits
        self.problems = problems
    }
}
