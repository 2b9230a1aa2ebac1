import Foundation

/// Runs the built `auxsweep` binary (it sits beside the test bundle) and captures what it prints.
struct CLIRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let binary: URL = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundleDirectory.appendingPathComponent("auxsweep")
    }()

    /// Runs `auxsweep arguments...` to completion (in `directory`, with `environment` added to the
    /// test process's own).
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts `auxsweep arguments...` without waiting; output goes to files in `directory`.
    static func start(_ arguments: [String], in directory: URL, name: String) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("\(name).out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("\(name).err").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("\(name).out"))
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("\(name).err"))
        try process.run()
        return process
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("auxsweep-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
