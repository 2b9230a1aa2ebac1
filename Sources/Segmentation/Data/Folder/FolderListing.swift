import Foundation

/// One labelled image of a folder data set: the image and mask paths, relative to the root.
public struct FolderSample: Sendable, Equatable {
    public let image: String
    public let mask: String

    /// The RGB image and the mask's stored values, decoded from under `root`; a `DatasetError` names
    /// the file at fault (also a mask whose size differs from its image's).
    func decode(root: URL) throws -> (image: PixelImage, mask: PixelImage) {
        let imagePath = root.appendingPathComponent(image).path
        let maskPath = root.appendingPathComponent(mask).path
        let image = try ImageCodec.decodeImage(try Self.read(imagePath), file: imagePath)
        let mask = try ImageCodec.decodeMask(try Self.read(maskPath), file: maskPath).labels
        guard mask.width == image.width && mask.height == image.height else {
            throw DatasetError(file: maskPath, problem: "is \(mask.width)x\(mask.height) but its image is \(image.width)x\(image.height)")
        }
        return (image, mask)
    }

    /// The bytes of a file of the data set, or a `DatasetError` naming it.
    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw DatasetError(file: path, problem: "cannot be read") }
        return data
    }
}

/// Which images and masks a split of a folder data set holds, found from its layout, and what is
/// wrong with the listing (a missing split list or folder, an image without a mask or a mask without
/// an image).
public struct FolderListing: Sendable {
    public let split: String
    /// The complete pairs, in the split's order (its list's order, else by file name).
    public let samples: [FolderSample]
    /// Files the split's pairs come from besides images and masks (split lists), relative paths.
    public let listFiles: [String]
    /// Problems, in the order found; a split with any is not usable for training.
    public let problems: [DatasetError]

    static let imageExtensions = ["jpg", "jpeg", "png"]

    /// Lists split `split` of `source`.
    public init(_ source: FolderSource, split: String) {
        self.split = split
        let root = URL(fileURLWithPath: source.root)
        var problems: [DatasetError] = []
        var samples: [FolderSample] = []
        var listFiles: [String] = []
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
        func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }
        /// File stems (names without extension) in a folder, by stem, or nil when the folder is missing.
        func files(in folder: String, extensions: [String]) -> [String: String]? {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path(folder)) else { return nil }
            var byStem: [String: String] = [:]
            for name in names where extensions.contains((name as NSString).pathExtension.lowercased()) {
                let stem = (name as NSString).deletingPathExtension
                if let other = byStem[stem] {
                    problems.append(DatasetError(file: path("\(folder)/\(name)"), problem: "has the same name as \(other) (which one?)"))
                } else {
                    byStem[stem] = name
                }
            }
            return byStem
        }
        /// Stems of a split list, one a line (blank lines skipped), or nil with a problem.
        func stems(ofList relative: String) -> [String]? {
            guard let data = FileManager.default.contents(atPath: path(relative)) else {
                problems.append(DatasetError(file: path(relative), problem: "split list is missing"))
                return nil
            }
            listFiles.append(relative)
            return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        /// Pairs the stems in order, reporting any without an image or a mask.
        func pair(_ stems: [String], images: [String: String], imageFolder: String, masks: [String: String], maskFolder: String) {
            for stem in stems {
                let image = images[stem], mask = masks[stem]
                if image == nil { problems.append(DatasetError(file: path("\(imageFolder)/\(stem)"), problem: "has no image (.jpg, .jpeg or .png)")) }
                if let image, mask == nil {
                    problems.append(DatasetError(file: path("\(imageFolder)/\(image)"), problem: "has no mask \(maskFolder)/\(stem).png"))
                }
                if let image, let mask { samples.append(FolderSample(image: "\(imageFolder)/\(image)", mask: "\(maskFolder)/\(mask)")) }
            }
        }
        func folder(_ relative: String, extensions: [String]) -> [String: String] {
            guard let found = files(in: relative, extensions: extensions) else {
                problems.append(DatasetError(file: path(relative), problem: "folder is missing"))
                return [:]
            }
            return found
        }

        switch source.layout {
        case .voc:
            let images = folder("JPEGImages", extensions: Self.imageExtensions)
            let masks = folder("SegmentationClass", extensions: ["png"])
            if let stems = stems(ofList: "ImageSets/Segmentation/\(split).txt") {
                pair(stems, images: images, imageFolder: "JPEGImages", masks: masks, maskFolder: "SegmentationClass")
            }
        case .ade20k:
            let images = folder("images/\(split)", extensions: Self.imageExtensions)
            let masks = folder("annotations/\(split)", extensions: ["png"])
            for stem in Set(masks.keys).subtracting(images.keys).sorted() {
                problems.append(DatasetError(file: path("annotations/\(split)/\(masks[stem] ?? stem)"), problem: "has no image"))
            }
            pair(images.keys.sorted(), images: images, imageFolder: "images/\(split)", masks: masks, maskFolder: "annotations/\(split)")
        case .pairs:
            let images = folder("images", extensions: Self.imageExtensions)
            let masks = folder("masks", extensions: ["png"])
            let defaults = FolderSource.Layout.pairs.defaultSplits
            let usesLists = exists("\(split).txt") || exists("\(source.trainSplit).txt") || exists("\(source.validationSplit).txt")
                || source.trainSplit != defaults.train || source.validationSplit != defaults.validation
            if usesLists {
                if let stems = stems(ofList: "\(split).txt") {
                    pair(stems, images: images, imageFolder: "images", masks: masks, maskFolder: "masks")
                }
            } else {
                // No split lists: every 10th image by name validates, the others train.
                for stem in Set(masks.keys).subtracting(images.keys).sorted() {
                    problems.append(DatasetError(file: path("masks/\(masks[stem] ?? stem)"), problem: "has no image"))
                }
                let all = images.keys.sorted()
                let validation = split == source.validationSplit
                let chosen = all.enumerated().filter { ($0.offset % 10 == 9) == validation }.map(\.element)
                pair(chosen, images: images, imageFolder: "images", masks: masks, maskFolder: "masks")
            }
        }
        if problems.isEmpty && samples.isEmpty {
            problems.append(DatasetError(file: source.root, problem: "split '\(split)' has no images"))
        }
        self.samples = samples
        self.listFiles = listFiles
        self.problems = problems
    }
}
