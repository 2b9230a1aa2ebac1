/// Why a data set cannot be used, naming the file (or folder) at fault: one line for the user.
public struct DatasetError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
