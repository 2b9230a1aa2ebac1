import Foundation
import NN
@testable import Segmentation
import TestSupport
import Testing

/// Random and mutated files through both decoders: each either decodes to an image within the limits
/// or is refused with a `DatasetError`, never a crash or an allocation beyond the area cap. A few
/// thousand inputs run here (seeded, the same every time); `AUXSWEEP_FUZZ_SECONDS=N` runs N seconds
/// with a clock seed, writing each input to `AUXSWEEP_FUZZ_INPUT` (if set) before decoding it, so the
/// one that crashed can be kept in `Fixtures/fuzz/` (named `decodes-*` or `refused-*` for what must
/// happen to it, beside the boundary files `tools/reference/make_decoder_corpus.py` writes there).
@Suite("Image decoder fuzzing")
struct ImageFuzzTests {
    /// Valid files of every kind the decoders take: the mutations start from these.
    static let seeds: [Data] = {
        let rgb = ImageCodecTests.gradient(width: 24, height: 16), labels = ImageCodecTests.labels(width: 16, height: 12)
        return [
            ImageCodec.encodePNG(rgb),
            ImageCodec.encodePNG(labels),
            ImageCodec.encodePNG(labels, palette: DataPreview.paletteBytes),
            ImageCodec.encodeJPEG(rgb, quality: 90),
            ImageCodec.encodeJPEG(ImageCodecTests.gradient(width: 9, height: 33), quality: 20),
            ImageCodecTests.rawPNG(width: 8, height: 8, depth: 16, colour: 0, rows: Array(repeating: [UInt8](repeating: 7, count: 16), count: 8)),
            ImageCodecTests.rawPNG(width: 16, height: 8, depth: 1, colour: 0, rows: Array(repeating: [0xA5, 0x5A], count: 8)),
            ImageCodecTests.rawPNG(width: 8, height: 8, depth: 8, colour: 6, rows: Array(repeating: [UInt8](repeating: 200, count: 32), count: 8)),
        ]
    }()

    /// One mutation of `data`: flipped bytes, a cut, an inserted or removed run, a chunk length or
    /// header field overwritten with an extreme value, or random bytes behind a valid signature.
    static func mutate(_ data: Data, _ g: inout SeededGenerator) -> Data {
        var bytes = [UInt8](data)
        func position() -> Int { bytes.isEmpty ? 0 : Int(g.next() % UInt64(bytes.count)) }
        switch g.next() % 7 {
        case 0:
            for _ in 0..<(1 + g.next() % 8) where !bytes.isEmpty { bytes[position()] ^= UInt8(truncatingIfNeeded: 1 + g.next() % 255) }
        case 1:
            bytes = Array(bytes.prefix(position()))
        case 2:
            let at = position()
            bytes.insert(contentsOf: (0..<(1 + g.next() % 64)).map { _ in UInt8(truncatingIfNeeded: g.next()) }, at: at)
        case 3:
            let at = position()
            bytes.removeSubrange(at..<min(bytes.count, at + 1 + Int(g.next() % 64)))
        case 4:
            let extremes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80]
            let at = min(position(), max(0, bytes.count - 4))
            for k in 0..<min(4, bytes.count - at) { bytes[at + k] = extremes[Int(g.next() % 4)] }
        case 5:
            let signature: [UInt8] = g.next() % 2 == 0 ? [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] : [0xFF, 0xD8, 0xFF]
            bytes = signature + (0..<Int(g.next() % 512)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        default:
            // A PNG's or JPEG's size field: the IHDR width/height, or a JPEG SOF0's.
            if bytes.count > 24, bytes[0] == 0x89 {
                for k in 16..<24 { bytes[k] = UInt8(truncatingIfNeeded: g.next()) }
            } else if let sof = bytes.indices.dropLast(8).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }) {
                for k in (sof + 5)..<(sof + 9) { bytes[k] = UInt8(truncatingIfNeeded: g.next()) }
            }
        }
        return Data(bytes)
    }

    /// Decodes `data` both ways; anything but an image within the limits or a `DatasetError` fails.
    static func check(_ data: Data) {
        for decode in [{ try ImageCodec.decodeImage($0, file: "fuzz") }, { try ImageCodec.decodeMask($0, file: "fuzz").labels }] as [(Data) throws -> PixelImage] {
            do {
                let image = try decode(data)
                #expect(image.area <= ImageCodec.maxArea && image.width >= ImageCodec.minSide && image.height >= ImageCodec.minSide)
            } catch is DatasetError {
            } catch {
                Issue.record("not a DatasetError: \(error)")
            }
        }
    }

    @Test("kept inputs: each decodes within the limits or is refused by both decoders, as its name says")
    func corpus() throws {
        let folder = Fixture.fuzzDirectory
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.contains { $0.hasPrefix("decodes-") } && names.contains { $0.hasPrefix("refused-") }, "\(names)")
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            Self.check(data)
            if name.hasPrefix("refused-") {
                #expect(throws: DatasetError.self, "\(name)") { try ImageCodec.decodeImage(data, file: name) }
                #expect(throws: DatasetError.self, "\(name)") { try ImageCodec.decodeMask(data, file: name) }
            } else {
                #expect(name.hasPrefix("decodes-"), "\(name): name it decodes-* or refused-*")
                let image = try ImageCodec.decodeImage(data, file: name)
                #expect(image.width >= ImageCodec.minSide && image.height >= ImageCodec.minSide, "\(name)")
            }
        }
    }

    @Test("random and mutated PNG and JPEG files decode within the limits or are refused")
    func mutations() {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["AUXSWEEP_FUZZ_SECONDS"].flatMap(Double.init)
        var g = SeededGenerator(seed: seconds == nil ? 2026 : UInt64(Date().timeIntervalSince1970 * 1000))
        let inputPath = environment["AUXSWEEP_FUZZ_INPUT"]
        let start = Date()
        var count = 0
        while seconds.map({ Date().timeIntervalSince(start) < $0 }) ?? (count < 4000) {
            var data = Self.seeds[Int(g.next() % UInt64(Self.seeds.count))]
            for _ in 0..<(1 + g.next() % 3) { data = Self.mutate(data, &g) }
            if let inputPath { try? data.write(to: URL(fileURLWithPath: inputPath)) }
            Self.check(data)
            count += 1
        }
        if seconds != nil { print("fuzzed \(count) inputs in \(Int(Date().timeIntervalSince(start))) s") }
    }
}

extension Fixture {
    /// `Tests/SegmentationTests/Fixtures/fuzz/`: decoder inputs kept because they once found a problem.
    static var fuzzDirectory: URL { directory(target: "SegmentationTests").appendingPathComponent("fuzz") }
}
