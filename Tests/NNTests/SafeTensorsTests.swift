import Foundation
import NN
import TestSupport
import Testing

@Suite("SafeTensors files")
struct SafeTensorsTests {
    static func sample() -> SafeTensors.File {
        var file = SafeTensors.File(metadata: ["classes": "7"])
        file.set("a.weight", randomTensor([2, 3, 1, 1], seed: 1))
        file.set("b", Tensor(shape: [], data: [1.5]))
        return file
    }

    @Test("a written file reads back bit for bit, header aligned to 8 bytes")
    func roundTrip() throws {
        let bytes = try SafeTensors.encode(Self.sample())
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(length % 8 == 0)
        let back = try SafeTensors.decode(bytes, name: "x")
        #expect(back.metadata == ["classes": "7"])
        #expect(try back.tensor("a.weight") == Self.sample().tensor("a.weight"))
        #expect(try back.tensor("b").shape == [])
    }

    @Test("corrupt files are rejected with a message naming the field", arguments: [
        ("short", "header length"), ("huge header", "header length"), ("not json", "header"),
        ("offsets out of range", "a.weight"), ("wrong byte count", "a.weight"), ("bad dtype", "a.weight"),
        ("negative shape", "a.weight"),
    ])
    func rejectsCorrupt(_ corruption: String, _ field: String) throws {
        var bytes = try SafeTensors.encode(Self.sample())
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        func replaceHeader(_ transform: (String) -> String) {
            var text = transform(header).trimmingCharacters(in: .whitespaces)
            while text.utf8.count < headerLength { text += " " }
            header = text
            bytes.replaceSubrange(8..<(8 + headerLength), with: Data(header.utf8))
            var length = UInt64(header.utf8.count).littleEndian
            bytes.replaceSubrange(0..<8, with: withUnsafeBytes(of: &length) { Data($0) })
        }
        switch corruption {
        case "short": bytes = bytes.prefix(5)
        case "huge header": bytes.replaceSubrange(0..<8, with: Data([0, 0, 0, 0, 0, 0, 0, 0x7f]))
        case "not json": replaceHeader { _ in "[1, 2" }
        case "offsets out of range": replaceHeader { $0.replacingOccurrences(of: "[0,24]", with: "[0,999999]") }
        case "wrong byte count": replaceHeader { $0.replacingOccurrences(of: "\"shape\":[2,3,1,1]", with: "\"shape\":[2,3,1,2]") }
        case "bad dtype": replaceHeader { $0.replacingOccurrences(of: "\"dtype\":\"F32\",\"shape\":[2", with: "\"dtype\":\"Q99\",\"shape\":[2") }
        case "negative shape": replaceHeader { $0.replacingOccurrences(of: "\"shape\":[2,3,1,1]", with: "\"shape\":[-2,3,1,1]") }
        default: Issue.record("unknown corruption \(corruption)")
        }
        do {
            _ = try SafeTensors.decode(bytes, name: "broken.safetensors")
            Issue.record("\(corruption): accepted a corrupt file")
        } catch let error as TensorFileError {
            #expect(error.file == "broken.safetensors")
            #expect(error.field == field, "\(corruption): \(error)")
            #expect(!error.description.contains("\n"))
        }
    }
}
