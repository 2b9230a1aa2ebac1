/// A problem with a sweep file: one line naming the file, the field (with its line when known) and
/// the problem.
public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let field: String
    public let line: Int?
    public let problem: String

    public init(file: String, field: String, line: Int?, problem: String) {
        self.file = file
        self.field = field
        self.line = line
        self.problem = problem
    }

    public var description: String {
        "\(file): \(field)\(line.map { " (line \($0))" } ?? ""): \(problem)"
    }
}
