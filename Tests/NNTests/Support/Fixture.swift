import Foundation
import NN

/// A golden case made by `tools/reference/make_fixtures.py` with PyTorch and committed under
/// `Tests/NNTests/Fixtures/`: tensors by name and the case's configuration as metadata.
struct Fixture {
    let name: String
    let file: SafeTensors.File

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    init(_ name: String) throws {
        self.name = name
        file = try SafeTensors.read(path: Self.directory.appendingPathComponent(name + ".safetensors").path)
    }

    /// The F32 tensor called `key`.
    func tensor(_ key: String) throws -> Tensor { try file.tensor(key, file: name) }

    /// Whether the case has a tensor called `key`.
    func has(_ key: String) -> Bool { file.tensors[key] != nil }

    /// The U8 tensor called `key`.
    func bytes(_ key: String) throws -> [UInt8] {
        guard let values = file.tensors[key]?.uint8 else {
            throw TensorFileError(file: name, field: key, problem: "missing or not U8")
        }
        return values
    }

    /// An integer from the metadata.
    func int(_ key: String) throws -> Int {
        guard let text = file.metadata[key], let value = Int(text) else {
            throw TensorFileError(file: name, field: key, problem: "metadata is missing or not an integer")
        }
        return value
    }

    /// A boolean ("true"/"false") from the metadata.
    func bool(_ key: String) throws -> Bool {
        guard let text = file.metadata[key]?.lowercased(), ["true", "false"].contains(text) else {
            throw TensorFileError(file: name, field: key, problem: "metadata is missing or not a boolean")
        }
        return text == "true"
    }

    /// A float from the metadata.
    func float(_ key: String) throws -> Float {
        guard let text = file.metadata[key], let value = Float(text) else {
            throw TensorFileError(file: name, field: key, problem: "metadata is missing or not a number")
        }
        return value
    }
}
