import Foundation

/// A problem with a tensor file (.safetensors or .npy), phrased for a one-line user message that
/// names the file, the field and the problem.
public struct TensorFileError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let field: String
    public let problem: String

    public init(file: String, field: String, problem: String) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(file): \(field): \(problem)" }
}

extension TensorFileError {
    /// The bytes of the file at `path`, or an error naming it.
    static func contents(of path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw TensorFileError(file: path, field: "file", problem: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// Writes `data` to `path` atomically, or throws an error naming it.
    static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TensorFileError(file: path, field: "file", problem: "cannot be written (\(error.localizedDescription))")
        }
    }
}
