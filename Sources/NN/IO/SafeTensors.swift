import Foundation

/// Reading and writing `.safetensors` files: an 8-byte little-endian header length, a JSON header
/// mapping tensor names to dtype, shape and byte offsets (plus an optional `__metadata__` map of
/// strings), then the raw little-endian data.
public enum SafeTensors {
    /// The element types auxsweep reads: F32 tensors, U8 label maps, and I64 (`num_batches_tracked`).
    public enum DType: String, Sendable {
        case f32 = "F32", u8 = "U8", i64 = "I64"
        var size: Int { switch self { case .f32: 4; case .u8: 1; case .i64: 8 } }
    }

    /// One tensor as stored: its dtype, shape and raw bytes.
    public struct Entry: Sendable {
        public let dtype: DType
        public let shape: [Int]
        public let bytes: Data

        /// The values of an F32 tensor.
        public var tensor: Tensor? {
            guard dtype == .f32 else { return nil }
            var values = [Float](repeating: 0, count: shape.reduce(1, *))
            values.withUnsafeMutableBytes { dst in _ = bytes.copyBytes(to: dst) }
            return Tensor(shape: shape, data: values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) })
        }

        /// The values of a U8 tensor.
        public var uint8: [UInt8]? { dtype == .u8 ? [UInt8](bytes) : nil }
    }

    /// A whole file: tensors by name and the metadata strings.
    public struct File: Sendable {
        public var tensors: [String: Entry]
        public var metadata: [String: String]

        public init(tensors: [String: Entry] = [:], metadata: [String: String] = [:]) {
            self.tensors = tensors
            self.metadata = metadata
        }

        /// The F32 tensor `name`, or a `TensorFileError` naming it.
        public func tensor(_ name: String, file: String = "safetensors") throws -> Tensor {
            guard let entry = tensors[name] else {
                throw TensorFileError(file: file, field: name, problem: "tensor is missing")
            }
            guard let t = entry.tensor else {
                throw TensorFileError(file: file, field: name, problem: "dtype \(entry.dtype.rawValue), expected F32")
            }
            return t
        }

        /// Adds an F32 tensor.
        public mutating func set(_ name: String, _ tensor: Tensor) {
            let bits = tensor.data.map { $0.bitPattern.littleEndian }
            tensors[name] = Entry(dtype: .f32, shape: tensor.shape, bytes: bits.withUnsafeBytes { Data($0) })
        }
    }

    /// The largest header we accept (a real one is a few kilobytes): a guard against corrupt lengths.
    static let maxHeaderLength = 100 << 20

    /// Reads and validates a file; every structural problem is a `TensorFileError`.
    public static func read(path: String) throws -> File {
        try decode(TensorFileError.contents(of: path), name: path)
    }

    /// Decodes the bytes of a file called `name` (used in error messages).
    public static func decode(_ data: Data, name: String) throws -> File {
        func fail(_ field: String, _ problem: String) -> TensorFileError {
            TensorFileError(file: name, field: field, problem: problem)
        }
        guard data.count >= 8 else { throw fail("header length", "file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(maxHeaderLength), Int(headerLength) <= data.count - 8 else {
            throw fail("header length", "\(headerLength) bytes does not fit in a file of \(data.count) bytes")
        }
        let headerEnd = 8 + Int(headerLength)
        let header = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + headerEnd))
        guard let json = try? JSONSerialization.jsonObject(with: header), let object = json as? [String: Any] else {
            throw fail("header", "is not a JSON object")
        }
        let body = data.count - headerEnd
        var file = File()
        for (key, value) in object {
            if key == "__metadata__" {
                guard let meta = value as? [String: String] else { throw fail("__metadata__", "must map strings to strings") }
                file.metadata = meta
                continue
            }
            guard let info = value as? [String: Any] else { throw fail(key, "entry is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw fail(key, "dtype is missing") }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail(key, "dtype \(dtypeName) is not supported (F32, U8, I64)") }
            guard let shapeValues = info["shape"] as? [Any], let shape = shapeValues.map({ ($0 as? NSNumber)?.intValue }) as? [Int],
                  shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
                throw fail(key, "shape is not a list of non-negative integers")
            }
            guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2,
                  let begin = (offsets[0] as? NSNumber)?.intValue, let end = (offsets[1] as? NSNumber)?.intValue else {
                throw fail(key, "data_offsets is not a pair of integers")
            }
            guard begin >= 0, begin <= end, end <= body else {
                throw fail(key, "data_offsets [\(begin), \(end)] outside the \(body)-byte data section")
            }
            let (elements, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d); return (p, acc.1 || o)
            }
            guard !overflow, elements.multipliedReportingOverflow(by: dtype.size) == (end - begin, false) else {
                throw fail(key, "shape \(shape) of \(dtypeName) needs a different byte count than data_offsets give (\(end - begin))")
            }
            let start = data.startIndex + headerEnd
            file.tensors[key] = Entry(dtype: dtype, shape: shape, bytes: data.subdata(in: (start + begin)..<(start + end)))
        }
        return file
    }

    /// Encodes a file: tensors in name order, header padded with spaces to a multiple of 8 bytes.
    public static func encode(_ file: File) throws -> Data {
        var header: [String: Any] = [:]
        if !file.metadata.isEmpty { header["__metadata__"] = file.metadata }
        var offset = 0
        let entries = file.tensors.sorted { $0.key < $1.key }
        for (name, entry) in entries {
            header[name] = ["dtype": entry.dtype.rawValue, "shape": entry.shape, "data_offsets": [offset, offset + entry.bytes.count]]
            offset += entry.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, entry) in entries { out.append(entry.bytes) }
        return out
    }

    /// Writes a file atomically (a temporary file renamed into place).
    public static func write(_ file: File, to path: String) throws {
        try TensorFileError.write(encode(file), to: path)
    }
}
