import Foundation

/// The Slurm cluster this machine submits to, through its command-line tools (`sbatch`, `scontrol`,
/// `squeue`, `sacct`), found on PATH.
public struct SlurmCluster: Sendable {
    /// The environment the tools run with (the process's own, plus any overrides).
    public let environment: [String: String]

    /// The cluster reached with `environment` (default: this process's); throws `SlurmError.missing`
    /// when `sbatch` is not on its PATH.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.environment = environment
        _ = try tool("sbatch")
    }

    /// The absolute path of `name` on PATH.
    func tool(_ name: String) throws -> String {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw SlurmError.missing(name)
    }

    /// Runs a Slurm tool and returns its standard output; a non-zero exit throws `SlurmError.failed`
    /// with the tool's first line of error output.
    func run(_ name: String, _ arguments: [String], extraEnvironment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try tool(name))
        process.arguments = arguments
        process.environment = environment.merging(extraEnvironment) { $1 }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both to the end before waiting: a full pipe would block the tool.
        let errorData = Locked(Data()), reading = DispatchGroup()
        let errorHandle = errors.fileHandleForReading
        DispatchQueue.global().async(group: reading) {
            let data = errorHandle.readDataToEndOfFile()
            errorData.withLock { $0 = data }
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        reading.wait()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData.value, as: UTF8.self).split(separator: "\n").first.map(String.init)
            throw SlurmError.failed(command: name, message: message ?? "exit status \(process.terminationStatus)")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The cluster's MaxArraySize (array indices must be below it).
    public func maxArraySize() throws -> Int {
        let config = try run("scontrol", ["show", "config"])
        for line in config.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0] == "MaxArraySize", let size = Int(parts[1]) { return size }
        }
        return 1001   // Slurm's default when the configuration does not say
    }

    /// Submits the script at `path` with `extraEnvironment` added to what the tasks inherit; returns
    /// the array's job id.
    public func submit(scriptAt path: String, extraEnvironment: [String: String]) throws -> String {
        let output = try run("sbatch", ["--parsable", path], extraEnvironment: extraEnvironment)
        // --parsable prints "jobid" or "jobid;cluster".
        guard let id = output.split(whereSeparator: { $0 == ";" || $0.isNewline }).first.map(String.init), !id.isEmpty else {
            throw SlurmError.failed(command: "sbatch", message: "printed no job id")
        }
        return id
    }

    /// The array tasks named `name` submitted since `since`: from accounting (`sacct`) when the cluster
    /// keeps it, else from the controller's memory (`squeue --states=all`: recently ended tasks too).
    /// One entry per task, pending ones too.
    public func tasks(named name: String, since: Date) throws -> [SlurmTask] {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        if let accounted = try? run("sacct", ["--noheader", "--parsable2", "--allocations", "--array", "--name=\(name)",
                                              "--starttime=\(format.string(from: since))", "--format=JobID,State"]) {
            return Self.parse(accounted, separator: "|")
        }
        let queued = try run("squeue", ["--noheader", "--array", "--states=all", "--name=\(name)", "--format=%i|%T"])
        return Self.parse(queued, separator: "|")
    }

    static func parse(_ text: String, separator: Character) -> [SlurmTask] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2, !fields[0].isEmpty else { return nil }
            // sacct says "CANCELLED by 0"; the first word is the state.
            let state = fields[1].split(separator: " ").first.map(String.init) ?? fields[1]
            return SlurmTask(id: fields[0], state: state)
        }
    }
}

/// One task of a job array as Slurm reports it (`1234_5`, `RUNNING`).
public struct SlurmTask: Sendable, Equatable {
    public let id: String
    public let state: String

    /// Waiting to start (or to start again after a requeue).
    public var isPending: Bool { ["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "CONFIGURING", "RESIZING"].contains(state) }
    /// Whether it has ended (completed, failed, cancelled, timed out, lost with its node...).
    public var hasEnded: Bool { !isPending && !isRunning }

    /// How a worker in a Slurm task names itself in the store (`slurm:1234_5`).
    public static let workerPrefix = "slurm:"

    /// Running or finishing.
    public var isRunning: Bool { ["RUNNING", "COMPLETING", "SIGNALING", "STAGE_OUT", "SUSPENDED", "STOPPED"].contains(state) }
}

/// Slurm could not be used: one line naming the problem.
public enum SlurmError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case failed(command: String, message: String)

    public var description: String {
        switch self {
        case .missing(let tool):
            "slurm: \(tool) not found on PATH: Slurm's tools are not installed here (submit from a login node of the "
                + "cluster; scripts/services/slurm.sh starts a one-node cluster to try it)"
        case .failed(let command, let message): "slurm: \(command): \(message)"
        }
    }
}
