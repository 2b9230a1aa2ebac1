import Foundation

/// The services `make test` starts for the run (scripts/test.sh): a PostgreSQL server and a
/// single-node Slurm cluster on 127.0.0.1, and the tools the tests drive them with.
enum TestServices {
    struct Missing: Error, CustomStringConvertible { let description: String }

    /// The repository's root (scripts live there).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func environment(_ name: String, startedBy what: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(description: "\(name) is not set: run the suite with `make test` (scripts/test.sh starts \(what))")
        }
        return value
    }

    /// Runs a tool found on PATH (or at an absolute path) to completion; throws when it fails.
    ///
    /// Spawned and reaped here (posix_spawn, waitpid), with its output in files: Foundation's
    /// `Process.waitUntilExit` was seen to hang on `postgres.sh start` (the script, already exited,
    /// stayed a zombie nobody reaped), and a server a script starts must not hold a pipe of ours.
    @discardableResult
    static func tool(_ name: String, _ arguments: [String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("auxsweep-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (out, err) = (folder.appendingPathComponent("out").path, folder.appendingPathComponent("err").path)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = (["/usr/bin/env", name] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
        guard spawned == 0 else { throw Missing(description: "\(name): cannot start (\(String(cString: strerror(spawned))))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = status & 0x7f == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let message = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            throw Missing(description: "\(name) \(arguments.joined(separator: " ")): "
                          + (exited ? "exit \(code)" : "signal \(status & 0x7f)") + ": \(message)")
        }
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    /// The URL of a new, empty database on the run's PostgreSQL server.
    static func freshPostgresURL() throws -> String {
        let server = try environment("AUXSWEEP_TEST_POSTGRES", startedBy: "PostgreSQL")
        let name = "c_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try tool("psql", [server, "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE \(name)"])
        guard let slash = server.range(of: "/", options: .backwards) else { throw Missing(description: "odd server URL") }
        return server[..<slash.lowerBound] + "/\(name)?sslmode=disable"
    }

    /// A PostgreSQL server of the test's own in `folder` (scripts/services/postgres.sh), for a test
    /// that restarts it without disturbing the others; returns its URL. Stop it with `stopPostgres`.
    static func startPostgres(in folder: URL) throws -> String {
        try tool(root.appendingPathComponent("scripts/services/postgres.sh").path, ["start", folder.path])
            .trimmingCharacters(in: .whitespacesAndNewlines) + "?sslmode=disable"
    }

    /// Stops the server in `folder` (cutting every connection) and starts it again on the same port.
    static func restartPostgres(in folder: URL) throws {
        try tool(root.appendingPathComponent("scripts/services/postgres.sh").path, ["restart", folder.path])
    }

    /// Stops the server in `folder` by its PID and removes the folder.
    static func stopPostgres(in folder: URL) {
        _ = try? tool(root.appendingPathComponent("scripts/services/postgres.sh").path, ["stop", folder.path])
    }

    /// Checks that the run's Slurm cluster is there (SLURM_CONF reaches sbatch, squeue, scancel).
    static func requireSlurm() throws {
        _ = try environment("SLURM_CONF", startedBy: "a single-node Slurm cluster, as root")
    }

    /// The sweep's array tasks Slurm still lists (`squeue --states=all`), as `id state`.
    static func slurmTasks(sweep: String) throws -> [(id: String, state: String)] {
        try tool("squeue", ["--noheader", "--array", "--states=all", "--name=auxsweep-\(sweep)", "--format=%i %T"])
            .split(separator: "\n").map { line in
                let parts = line.split(separator: " ")
                return (String(parts[0]), String(parts.count > 1 ? parts[1] : ""))
            }
    }

    /// How often Slurm has restarted an array task (`Restarts=` of `scontrol show job`): a requeue counts one.
    static func slurmRestarts(task: String) throws -> Int {
        let shown = try tool("scontrol", ["show", "job", task])
        guard let match = shown.firstMatch(of: /Restarts=(\d+)/), let count = Int(match.1) else {
            throw Missing(description: "scontrol show job \(task) gave no Restarts= field: \(shown)")
        }
        return count
    }

    /// Waits until none of the sweep's array tasks is pending or running (at most 300 s).
    static func waitForSlurm(sweep: String) throws {
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            let tasks = try slurmTasks(sweep: sweep)
            if !tasks.isEmpty && tasks.allSatisfy({ ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                                                      "PREEMPTED", "BOOT_FAIL", "DEADLINE"].contains($0.state) }) { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw Missing(description: "the Slurm tasks of \(sweep) did not end in 300 s")
    }
}
