import Foundation

/// A 64-bit FNV-1a hash of what a folder data set's training and validation splits consist of: the
/// split lists' bytes, every pair's file names and sizes, and every mask's bytes (images are known by
/// name and size only: reading them all would cost as much as decoding them).
public enum FolderFingerprint {
    /// The fingerprint of `source`'s two splits, as 16 hex digits; throws the first listing problem.
    public static func compute(_ source: FolderSource) throws -> String {
        var hash = FNV1a()
        let root = URL(fileURLWithPath: source.root)
        for split in [source.trainSplit, source.validationSplit] {
            let listing = FolderListing(source, split: split)
            if let problem = listing.problems.first { throw problem }
            hash.add("split \(split)\n")
            for list in listing.listFiles {
                hash.add("list \(list)\n")
                hash.add(try FolderSample.read(root.appendingPathComponent(list).path))
            }
            for sample in listing.samples {
                let imageSize = try fileSize(root.appendingPathComponent(sample.image))
                hash.add("\(sample.image) \(imageSize) \(sample.mask)\n")
                hash.add(try FolderSample.read(root.appendingPathComponent(sample.mask).path))
            }
        }
        return hash.hex
    }

    static func fileSize(_ url: URL) throws -> Int {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else {
            throw DatasetError(file: url.path, problem: "cannot be read")
        }
        return size
    }
}

/// 64-bit FNV-1a over bytes added in pieces (data fingerprints, sweep identities).
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    public mutating func add(_ text: String) { add(text.utf8) }

    /// The hash as 16 hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
