import Foundation

/// Reading and writing `.npy` arrays (format version 1.0, little-endian `<f4` or `|u1`, C order).
public enum NPY {
    /// An array as stored: float32 values or bytes, and its shape.
    public enum Array: Sendable, Equatable {
        case float32(Tensor)
        case uint8(shape: [Int], values: [UInt8])

        public var shape: [Int] {
            switch self {
            case .float32(let t): t.shape
            case .uint8(let shape, _): shape
            }
        }
    }

    static let magic: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8)
    /// The largest header accepted; real headers are under 200 bytes.
    static let maxHeaderLength = 1 << 16

    /// Reads and validates a file; every problem is a `TensorFileError` naming the file and field.
    public static func read(path: String) throws -> Array {
        try decode(TensorFileError.contents(of: path), name: path)
    }

    /// Decodes the bytes of a file called `name`.
    public static func decode(_ data: Data, name: String) throws -> Array {
        func fail(_ field: String, _ problem: String) -> TensorFileError { TensorFileError(file: name, field: field, problem: problem) }
        let bytes = [UInt8](data.prefix(10))
        guard bytes.count == 10, Swift.Array(bytes[0..<6]) == magic else { throw fail("magic", "not an .npy file") }
        guard bytes[6] == 1 else { throw fail("version", "\(bytes[6]).\(bytes[7]) is not supported (1.0 only)") }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        guard headerLength <= maxHeaderLength, 10 + headerLength <= data.count else {
            throw fail("header length", "\(headerLength) bytes does not fit in a file of \(data.count) bytes")
        }
        let header = String(decoding: data.subdata(in: (data.startIndex + 10)..<(data.startIndex + 10 + headerLength)), as: UTF8.self)
        guard let descr = value(of: "descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) else {
            throw fail("descr", "missing from the header")
        }
        guard let fortran = value(of: "fortran_order", in: header)?.trimmingCharacters(in: .whitespaces) else {
            throw fail("fortran_order", "missing from the header")
        }
        guard fortran == "False" else { throw fail("fortran_order", "Fortran order is not supported; save a C-order array") }
        guard let shapeText = value(of: "shape", in: header) else { throw fail("shape", "missing from the header") }
        let parts = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let dims = parts.compactMap { Int($0) }
        guard dims.count == parts.count, dims.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
            throw fail("shape", "\(shapeText) is not a tuple of non-negative integers")
        }
        let (elements, overflow) = dims.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d); return (p, acc.1 || o)
        }
        let body = data.count - 10 - headerLength
        let start = data.startIndex + 10 + headerLength
        switch descr {
        case "<f4":
            guard !overflow, elements.multipliedReportingOverflow(by: 4) == (body, false) else {
                throw fail("shape", "\(dims) of <f4 needs \(elements &* 4) bytes, the file holds \(body)")
            }
            var values = [Float](repeating: 0, count: elements)
            values.withUnsafeMutableBytes { _ = data.subdata(in: start..<data.endIndex).copyBytes(to: $0) }
            return .float32(Tensor(shape: dims, data: values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }))
        case "|u1", "<u1", "u1":
            guard !overflow, elements == body else {
                throw fail("shape", "\(dims) of |u1 needs \(elements) bytes, the file holds \(body)")
            }
            return .uint8(shape: dims, values: [UInt8](data.subdata(in: start..<data.endIndex)))
        default:
            throw fail("descr", "dtype \(descr) is not supported (<f4 or |u1)")
        }
    }

    /// The text after `'key':` up to the next top-level comma (or the closing brace).
    static func value(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var result = ""
        for ch in header[range.upperBound...] {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if (ch == "," && depth == 0) || ch == "}" { break }
            result.append(ch)
        }
        return result.trimmingCharacters(in: .whitespaces)
    }

    /// Encodes an array as a version 1.0 file, header padded so the data starts on a 64-byte boundary.
    public static func encode(_ array: Array) -> Data {
        let descr: String
        let payload: Data
        switch array {
        case .float32(let t):
            descr = "<f4"
            payload = t.data.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
        case .uint8(_, let values):
            descr = "|u1"
            payload = Data(values)
        }
        let shape = array.shape
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out = Data(magic + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        out.append(Data(header.utf8))
        out.append(payload)
        return out
    }

    /// Writes an array atomically.
    public static func write(_ array: Array, to path: String) throws {
        try TensorFileError.write(encode(array), to: path)
    }
}
