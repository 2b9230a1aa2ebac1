import Foundation
import NN

/// A golden case made by `tools/reference/make_fixtures.py` with PyTorch and committed under
/// `Tests/NNTests/Fixtures/`: tensors by name and the case's configuration as metadata.
public struct Fixture {
    public let name: String
    public let path: String
    public let file: SafeTensors.File

    /// `Tests/<target>/Fixtures/`.
    public static func directory(target: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(target).appendingPathComponent("Fixtures")
    }

    /// The JSON fixture `name` of a test target (`Tests/<target>/Fixtures/<name>`), decoded; a
    /// missing or malformed file stops the test run, naming it.
    public static func json<T: Decodable>(_ type: T.Type, _ name: String, target: String) -> T {
        let url = directory(target: target).appendingPathComponent(name)
        do {
            return try JSONDecoder().decode(type, from: Data(contentsOf: url))
        } catch {
            preconditionFailure("cannot read \(url.path): \(error)")
        }
    }

    /// The golden file `name.safetensors` of a test target (NNTests by default).
    public init(_ name: String, target: String = "NNTests") throws {
        self.name = name
        path = Self.directory(target: target).appendingPathComponent(name + ".safetensors").path
        file = try SafeTensors.read(path: path)
    }

    /// The F32 tensor called `key`.
    public func tensor(_ key: String) throws -> Tensor { try file.tensor(key, file: name) }

    /// Whether the case has a tensor called `key`.
    public func has(_ key: String) -> Bool { file.tensors[key] != nil }

    /// The U8 tensor called `key`.
    public func bytes(_ key: String) throws -> [UInt8] {
        guard let values = file.tensors[key]?.uint8 else {
            throw TensorFileError(file: name, field: key, problem: "missing or not U8")
        }
        return values
    }

    /// An integer from the metadata.
    public func int(_ key: String) throws -> Int {
        guard let text = file.metadata[key], let value = Int(text) else {
            throw TensorFileError(file: name, field: key, problem: "metadata is missing or not an integer")
        }
        return value
    }

    /// A boolean ("true"/"false") from the metadata.
    public func bool(_ key: String) throws -> Bool {
        guard let text = file.metadata[key]?.lowercased(), ["true", "false"].contains(text) else {
            throw TensorFileError(file: name, field: key, problem: "metadata is missing or not a boolean")
        }
        return text == "true"
    }

    /// A float from the metadata.
    public func float(_ key: String) throws -> Float {
        guard let text = file.metadata[key], let value = Float(text) else {
            throw TensorFileError(file: name, field: key, problem: "metadata is missing or not a number")
        }
        return value
    }
}
