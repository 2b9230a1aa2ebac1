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
