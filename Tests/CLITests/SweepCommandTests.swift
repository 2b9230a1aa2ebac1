import Foundation
import Sweep
import Testing

/// `auxsweep run`, `status`, `query` and `report` as a user runs them: real processes, real database
/// files, kill -9, Ctrl-C and two runs at once.
@Suite("Sweep commands", .serialized)
struct SweepCommandTests {
    /// 4 jobs of 120 short steps: long enough to be killed in the middle, short enough for CI.
    static let sweepYAML = """
        name: killme
        aux_weights: [0.0, 1.0]
        seeds: 2
        jobs: 2
        data: {train_images: 2000, val_images: 16, size: 32}
        model: {blocks: [1, 1, 1, 1]}
        train: {iterations: 120, batch: 4, eval_every: 40, checkpoint_every: 20}
        """

    static func setUp() throws -> (dir: URL, sweep: String, db: String) {
        let dir = try CLIRunner.temporaryDirectory()
        let sweep = dir.appendingPathComponent("killme.yaml").path
        try sweepYAML.write(toFile: sweep, atomically: true, encoding: .utf8)
        return (dir, sweep, dir.appendingPathComponent("db/results.sqlite").path)
    }

    /// Final mIoU and step count per job, and the total number of step rows.
    static func outcome(_ db: String) throws -> (jobs: [String: String], stepRows: Int) {
        let store = try SQLiteStore.openExisting(path: db)
        var jobs: [String: String] = [:], rows = 0
        for j in try store.jobSummaries(JobFilter(sweep: "killme")) {
            jobs["\(j.job.auxWeight)/\(j.job.seed)"] = "\(j.job.status.rawValue) steps=\(j.steps) miou=\(j.miou ?? -1)"
            rows += j.steps
        }
        return (jobs, rows)
    }

    /// What the database shows of a running sweep, read by the test while `auxsweep run` writes.
    struct Progress {
        var running = 0, done = 0, stepRows = 0, checkpoints = 0

        init(_ db: String) throws {
            guard FileManager.default.fileExists(atPath: db) else { return }
            for j in try SQLiteStore.openExisting(path: db).jobSummaries(JobFilter(sweep: "killme")) {
                if j.job.status == .running { running += 1 }
                if j.job.status == .done { done += 1 }
                stepRows += j.steps
                checkpoints += j.job.checkpointIteration
            }
        }
    }

    /// Polls the database every 10 ms until `condition` holds; false when the process ended first.
    /// (The 300 s bound only keeps a broken build from hanging the suite.)
    static func wait(for process: Process, db: String, until condition: (Progress) -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline {
            if condition(try Progress(db)) { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    @Test("kill -9 at four points seen in the database, then run again: every job done once, rows and metrics as uninterrupted")
    func killNine() throws {
        let reference = try Self.setUp(), killed = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: reference.dir); try? FileManager.default.removeItem(at: killed.dir) }
        let clean = try CLIRunner.run(["run", reference.sweep, "--db", reference.db])
        #expect(clean.status == 0, "\(clean.stderr)")
        let expected = try Self.outcome(reference.db)
        #expect(expected.jobs.values.allSatisfy { $0.hasPrefix("done steps=120 ") } && expected.stepRows == 480)

        // Each point is relative to what the database showed when the round started, so each round
        // kills at a new place: a job just claimed, a checkpoint just recorded, rows written between
        // checkpoints, a job just done.
        let points: [(String, (Progress, Progress) -> Bool)] = [
            ("a job claimed", { _, now in now.running > 0 }),
            ("a new checkpoint recorded", { start, now in now.checkpoints > start.checkpoints }),
            ("10 more step rows", { start, now in now.stepRows >= start.stepRows + 10 }),
            ("a job done", { start, now in now.done > start.done }),
        ]
        for (round, (point, reached)) in points.enumerated() {
            let start = try Progress(killed.db)
            let process = try CLIRunner.start(["run", killed.sweep, "--db", killed.db], in: killed.dir, name: "kill\(round)")
            let hit = try Self.wait(for: process, db: killed.db) { reached(start, $0) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(hit, "round \(round): the sweep ended before \(point)")
        }
        let resumed = try CLIRunner.run(["run", killed.sweep, "--db", killed.db])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stderr.contains("set aside"), "\(resumed.stderr)")
        let after = try Self.outcome(killed.db)
        #expect(after.jobs == expected.jobs)
        #expect(after.stepRows == expected.stepRows)
    }

    @Test("Ctrl-C while a job runs: exit 130, jobs interrupted; the next run finishes them")
    func interrupt() throws {
        let s = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let process = try CLIRunner.start(["run", s.sweep, "--db", s.db], in: s.dir, name: "int")
        let running = try Self.wait(for: process, db: s.db) { $0.running > 0 }
        #expect(running, "the sweep ended before a job was seen running")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let statuses = try SQLiteStore.openExisting(path: s.db).jobSummaries(JobFilter(sweep: "killme")).map(\.job.status)
        #expect(statuses.contains(.interrupted) && !statuses.contains(.running), "\(statuses)")
        let again = try CLIRunner.run(["run", s.sweep, "--db", s.db])
        #expect(again.status == 0)
        #expect(try Self.outcome(s.db).jobs.values.allSatisfy { $0.hasPrefix("done steps=120 ") })
    }

    @Test("Ctrl-C as soon as the database exists: exit 130, no job left running; the next run does everything")
    func interruptAtStart() throws {
        let s = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let process = try CLIRunner.start(["run", s.sweep, "--db", s.db], in: s.dir, name: "int0")
        // The handler is installed before the database is created: once the file exists, a SIGINT
        // is a stop request, whatever the run is doing (migrating, planning or training).
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: s.db) && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.001)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130,
                "\(process.terminationReason) \(process.terminationStatus)")
        let statuses = try SQLiteStore.openExisting(path: s.db).jobSummaries(JobFilter(sweep: "killme")).map(\.job.status)
        #expect(!statuses.contains(.running), "\(statuses)")
        let again = try CLIRunner.run(["run", s.sweep, "--db", s.db])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.outcome(s.db).jobs.values.allSatisfy { $0.hasPrefix("done steps=120 ") })
    }

    @Test("two runs on one database share the work: each job runs once, no lock errors")
    func twoProcesses() throws {
        let s = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let a = try CLIRunner.start(["run", s.sweep, "--db", s.db, "--jobs", "1"], in: s.dir, name: "a")
        defer { if a.isRunning { kill(a.processIdentifier, SIGKILL) } }   // only when the test ends early
        // The second starts once the first has written a step of its (single worker's) first job, so
        // three jobs are left for it to take. The first is paused (SIGSTOP) until the second has claimed
        // one, so that how fast either trains cannot leave the second without work; it is let go after
        // 10 s in any case, should the pause have caught it holding the write lock (the busy timeout is 30 s).
        #expect(try Self.wait(for: a, db: s.db) { $0.stepRows > 0 })
        kill(a.processIdentifier, SIGSTOP)
        let b = try CLIRunner.start(["run", s.sweep, "--db", s.db, "--jobs", "1"], in: s.dir, name: "b")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, b.isRunning,
              (try? SQLiteStore.openExisting(path: s.db).jobSummaries(JobFilter(sweep: "killme")).contains { $0.job.pid == Int64(b.processIdentifier) }) != true {
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(a.processIdentifier, SIGCONT)
        a.waitUntilExit()
        b.waitUntilExit()
        let errors = try ["a", "b"].map { try String(contentsOf: s.dir.appendingPathComponent("\($0).err"), encoding: .utf8) }
        #expect(a.terminationStatus == 0 && b.terminationStatus == 0, "\(errors)")
        #expect(!errors.joined().lowercased().contains("locked"))
        let jobs = try SQLiteStore.openExisting(path: s.db).jobSummaries(JobFilter(sweep: "killme"))
        #expect(jobs.count == 4 && jobs.allSatisfy { $0.job.status == .done && $0.job.attempt == 1 && $0.steps == 120 })
        #expect(Set(jobs.compactMap(\.job.pid)).count == 2)
    }

    @Test("a second database in the same folder trains every job itself; another store's files are set aside with one line each")
    func secondDatabase() throws {
        let s = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let first = try CLIRunner.run(["run", s.sweep, "--db", s.db])
        #expect(first.status == 0, "\(first.stderr)")
        let expected = try Self.outcome(s.db)
        // b.sqlite beside it: no file is shared, every job trains from 0 to the same results.
        let b = s.dir.appendingPathComponent("db/b.sqlite").path
        let second = try CLIRunner.run(["run", s.sweep, "--db", b])
        #expect(second.status == 0 && !second.stderr.contains("set aside"), "\(second.stderr)")
        #expect(try Self.outcome(b).jobs == expected.jobs)
        // c.sqlite, with a.sqlite's checkpoint files copied to where c's jobs look for theirs.
        let c = s.dir.appendingPathComponent("db/c.sqlite").path
        let store = try SQLiteStore(path: c), spec = try SpecParser.parse(path: s.sweep)
        try store.register(spec, text: "")
        let firstID = try SQLiteStore.openExisting(path: s.db).id
        let source = s.dir.appendingPathComponent("db/checkpoints/\(firstID)/killme")
        let target = s.dir.appendingPathComponent("db/checkpoints/\(store.id)/killme")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: target.appendingPathComponent(name))
        }
        let third = try CLIRunner.run(["run", s.sweep, "--db", c])
        #expect(third.status == 0, "\(third.stderr)")
        let lines = third.stderr.split(separator: "\n").filter { $0.contains("set aside") }
        #expect(lines.count == 4, "\(third.stderr)")
        #expect(lines.allSatisfy { $0.hasSuffix("(its auxsweep.store is \(firstID), this job's is \(store.id)); training from iteration 0") })
        #expect(try Self.outcome(c).jobs == expected.jobs)
    }

    /// Bad sweep files and the exact line `auxsweep run` prints for each (after "auxsweep: FILE: ").
    static let badFiles: [(String, String)] = [
        ("aux_weights: [0.5]\n", "name (line 1): is required"),
        ("name: ../etc\n", "name (line 1): '../etc' is not safe for file names (letters, digits, '.', '_', '-'; at most 64; no leading dot or dash)"),
        ("name: x\nbogus: 1\n", "bogus (line 2): unknown key (expected one of: name, aux_weights, seeds, until, jobs, data, model, train, base_dir)"),
        ("name: x\ntrain: {batchsize: 4}\n", "train.batchsize (line 2): unknown key (expected one of: iterations, batch, base_lr, momentum, weight_decay, poly_power, eval_every, checkpoint_every)"),
        ("name: x\naux_weights: [0.5, 1.5]\n", "aux_weights (line 2): weight 1.5 is outside [0, 1]"),
        ("name: x\naux_weights: [0.5, 0.50]\n", "aux_weights (line 2): weight 0.5 appears twice"),
        ("name: x\naux_weights: [0.12341, 0.12344]\n", "aux_weights (line 2): weight 0.12341 has more than 4 decimals (reports name weights to 4 decimals)"),
        ("name: x\naux_weights: {from: 0, to: 1, step: 0.3}\n", "aux_weights.step (line 2): 0.3 does not divide 1.0 - 0.0 exactly"),
        ("name: x\nseeds: 0\n", "seeds (line 2): must be in 1...1000, got 0"),
        ("name: x\nseeds: [1, 1]\n", "seeds (line 2): seed 1 appears twice"),
        ("name: x\ntrain:\n  iterations: -5\n", "train.iterations (line 3): must be in 1...10000000, got -5"),
        ("name: x\ntrain: {batch: 0}\n", "train.batch (line 2): must be in 2...256, got 0"),
        ("name: x\ntrain: {iterations: ten}\n", "train.iterations (line 2): must be an integer, got 'ten'"),
        ("name: x\ndata: {size: 60}\n", "data.size (line 2): must be a multiple of 8, got 60"),
        ("name: x\ndata: {size: 256}\ntrain: {batch: 256}\n", "train.batch (line 3): batch 256 of 256x256 images would need more memory than a worker has (batch x size^2 at most 1048576)"),
        ("name: x\nmodel: {blocks: [2, 2, 2]}\n", "model.blocks (line 2): must list 4 block counts, one per stage"),
        ("name: x\nmodel: {residual: [yes, true, true, true]}\n", "model.residual (line 2): must be true or false, got 'yes'"),
        ("name: x\njobs: 0\n", "jobs (line 2): must be in 1...256, got 0"),
        ("- a\n- b\n", "file (line 1): must be a mapping with at least 'name'"),
    ]

    @Test("bad sweep files: the exact one-line message, exit 2, no database created", arguments: badFiles)
    func badFile(_ text: String, _ message: String) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("db/results.sqlite").path
        let result = try CLIRunner.run(["run", file, "--db", db])
        #expect(result.status == 2)
        #expect(result.stderr == "auxsweep: \(file): \(message)\n")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("db").path))
    }

    @Test("report on a database without sweeps: one line naming it, exit 2")
    func reportWithoutSweeps() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("empty.sqlite").path
        _ = try SQLiteStore(path: db)
        let result = try CLIRunner.run(["report", "--db", db])
        #expect(result.status == 2 && result.stdout.isEmpty)
        #expect(result.stderr == "auxsweep: \(db): database: holds no sweeps yet (run 'auxsweep run FILE' first)\n")
    }

    @Test("a changed file under the same name is refused with a suggestion; the database is unchanged")
    func changedSpec() throws {
        let s = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let store = try SQLiteStore(path: s.db)
        try store.register(try SpecParser.parse(path: s.sweep), text: "")
        try Self.sweepYAML.replacingOccurrences(of: "iterations: 120", with: "iterations: 121")
            .write(toFile: s.sweep, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["run", s.sweep, "--db", s.db])
        #expect(result.status == 2)
        #expect(result.stderr == "auxsweep: sweep 'killme' is already in the database with a different spec (or its data "
                + "folder's files changed); give the changed file a new name (e.g. 'killme-v2') so its results are not mixed with the old ones\n")
        #expect(try store.jobSummaries().allSatisfy { $0.job.status == .pending && $0.steps == 0 })
    }
}

extension SweepCommandTests {
    @Test("status and query print exactly")
    func statusAndQuery() throws {
        let s = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        try SQLiteStore(path: s.db).register(try SpecParser.parse(path: s.sweep), text: "")
        let status = try CLIRunner.run(["status", "--db", s.db])
        #expect(status.status == 0)
        #expect(status.stdout == """
            sweep   jobs  done  running  failed  interrupted  pending
            ------  ----  ----  -------  ------  -----------  -------
            killme     4     0        0       0            0        4

            """)
        let query = try CLIRunner.run(["query", "--db", s.db, "--weight", "1.0", "--format", "csv"])
        #expect(query.stdout == """
            sweep,aux_weight,seed,status,attempt,steps,iteration,miou,pixel_acc,error
            killme,1.0,0,pending,0,0,,,,
            killme,1.0,1,pending,0,0,,,,

            """)
        let json = try CLIRunner.run(["query", "--db", s.db, "--seed", "1", "--weight", "1", "--format", "json"])
        #expect(json.stdout == """
            [
              {
                "attempt" : 0,
                "aux_weight" : 1,
                "error" : null,
                "iteration" : null,
                "miou" : null,
                "pixel_acc" : null,
                "seed" : 1,
                "status" : "pending",
                "steps" : 0,
                "sweep" : "killme"
              }
            ]

            """)
        let missing = try CLIRunner.run(["status", "--db", s.dir.appendingPathComponent("nope.sqlite").path])
        #expect(missing.status == 2)
        #expect(missing.stderr == "auxsweep: \(s.dir.appendingPathComponent("nope.sqlite").path): database: does not exist (run 'auxsweep run' first)\n")
    }
}

extension SweepCommandTests {
    @Test("a bad store URL and a PostgreSQL run without --checkpoints: one line, password masked, exit 2, nothing written")
    func badStoreAddress() throws {
        let s = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let badURL = try CLIRunner.run(["status", "--db", "postgresql://ann:secret@/sweeps"])
        #expect(badURL.status == 2)
        #expect(badURL.stderr == "auxsweep: postgresql://ann:***@/sweeps: database URL: no host\n")
        let noCheckpoints = try CLIRunner.run(["run", s.sweep, "--db", "postgresql://ann:secret@127.0.0.1:1/sweeps"])
        #expect(noCheckpoints.status == 2)
        #expect(noCheckpoints.stderr == "auxsweep: postgresql://ann:***@127.0.0.1:1/sweeps: --checkpoints: "
                + "required with a PostgreSQL store: a directory every worker can reach\n")
        let unreachable = try CLIRunner.run(["run", s.sweep, "--db", "postgresql://ann:secret@127.0.0.1:1/sweeps",
                                             "--checkpoints", s.dir.appendingPathComponent("ckpt").path])
        #expect(unreachable.status == 2)
        #expect(unreachable.stderr == "auxsweep: postgresql://ann:***@127.0.0.1:1/sweeps: database: cannot connect to 127.0.0.1:1 (connection refused)\n")
        #expect(!FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("ckpt").path))
        #expect(!FileManager.default.fileExists(atPath: s.db))
    }
}

extension SweepCommandTests {
    @Test("report, status and query only read: the database file is byte for byte as before (a committed store stays unmodified)")
    func readersLeaveTheFileAlone() throws {
        let s = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let run = try CLIRunner.run(["run", s.sweep, "--db", s.db])
        #expect(run.status == 0, "\(run.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: s.db))
        for arguments in [["report", "--db", s.db], ["report", "--db", s.db, "--format", "json"],
                          ["status", "--db", s.db], ["status", "killme", "--db", s.db], ["query", "--db", s.db]] {
            let result = try CLIRunner.run(arguments)
            #expect(result.status == 0 && !result.stdout.isEmpty, "\(arguments): \(result.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: s.db)) == before, "\(arguments) changed the file")
        }
    }
}
