import Foundation
import Segmentation
import Sweep
import Testing

/// The multi-machine path as a user runs it: a PostgreSQL store shared by `auxsweep work` processes
/// and by Slurm array tasks (`auxsweep submit`), on the run's real PostgreSQL server and single-node
/// Slurm cluster (scripts/test.sh). Results are compared, bit for bit, with a plain SQLite run.
@Suite("Cluster commands", .serialized)
struct ClusterCommandTests {
    /// 6 jobs of 30 short steps: the "same results everywhere" sweep.
    static let smallYAML = """
        name: small
        aux_weights: [0.0, 0.5, 1.0]
        seeds: 2
        data: {train_images: 640, val_images: 16, size: 32}
        model: {blocks: [1, 1, 1, 1]}
        train: {iterations: 30, batch: 4, eval_every: 10, checkpoint_every: 10}
        """

    /// 4 jobs of 120 steps, checkpointed every 20: long enough to be killed, cancelled or cut off.
    static let longYAML = """
        name: long
        aux_weights: [0.0, 1.0]
        seeds: 2
        data: {train_images: 2000, val_images: 16, size: 32}
        model: {blocks: [1, 1, 1, 1]}
        train: {iterations: 120, batch: 4, eval_every: 40, checkpoint_every: 20}
        """

    /// 60 jobs of 2 steps: the duplicate-claim test's grid.
    static let gridYAML = """
        name: grid
        aux_weights: [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        seeds: 10
        data: {train_images: 8, val_images: 4, size: 16}
        model: {blocks: [1, 1, 1, 1]}
        train: {iterations: 2, batch: 2, eval_every: 2}
        """

    /// A fresh folder holding `yaml` as `<name>.yaml`.
    static func folder(_ yaml: String, name: String) throws -> (dir: URL, sweep: String) {
        let dir = try CLIRunner.temporaryDirectory()
        let sweep = dir.appendingPathComponent("\(name).yaml").path
        try yaml.write(toFile: sweep, atomically: true, encoding: .utf8)
        return (dir, sweep)
    }

    /// Every job's status, attempt, steps and evaluations, by weight/seed.
    struct Rows: Equatable {
        var status: [String: String] = [:]
        var attempts: [String: Int] = [:]
        var steps: [String: [StepRecord]] = [:]
        var evals: [String: [EvaluationRecord]] = [:]

        init(_ store: any ResultsStore, sweep: String) throws {
            for j in try store.jobSummaries(JobFilter(sweep: sweep)) {
                let key = "\(j.job.auxWeight)/\(j.job.seed)", id = j.job.id ?? -1
                status[key] = j.job.status.rawValue
                attempts[key] = j.job.attempt
                steps[key] = try store.steps(job: id)
                evals[key] = try store.evaluations(job: id)
            }
        }

        /// The rows without the attempts (an interrupted run claims a job more than once).
        var results: Rows { var r = self; r.attempts = [:]; return r }
    }

    /// The sweep run by plain `auxsweep run` on SQLite: its rows and its report.
    static func reference(_ yaml: String, name: String) throws -> (rows: Rows, report: String) {
        let (dir, sweep) = try folder(yaml, name: name)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("ref.sqlite").path
        let result = try CLIRunner.run(["run", sweep, "--db", db])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try CLIRunner.run(["report", "--sweep", name, "--db", db]).stdout
        return (try Rows(SQLiteStore.openExisting(path: db), sweep: name), report)
    }

    /// Starts `count` `auxsweep work` processes on `url`'s sweep and waits for them; returns their
    /// exit statuses and the jobs each says it finished.
    static func work(_ count: Int, url: String, sweep: String, dir: URL, extra: [String] = []) throws -> [(status: Int32, ended: Int)] {
        let checkpoints = dir.appendingPathComponent("checkpoints").path
        let processes = try (0..<count).map { index in
            try CLIRunner.start(["work", "--db", url, "--sweep", sweep, "--checkpoints", checkpoints] + extra, in: dir,
                                name: "work-\(UUID().uuidString.prefix(8))-\(index)")
        }
        return try processes.enumerated().map { index, process in
            process.waitUntilExit()
            return (process.terminationStatus, try endedJobs(of: process, in: dir))
        }
    }

    /// The count a finished `work` process printed ("N jobs finished here").
    static func endedJobs(of process: Process, in dir: URL) throws -> Int {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".err") }
        for file in files {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            guard text.contains("pid \(process.processIdentifier):") else { continue }
            if let line = text.split(separator: "\n").last(where: { $0.contains("finished here") }),
               let number = line.split(separator: ":").last?.split(separator: " ").first.flatMap({ Int($0) }) {
                return number
            }
        }
        return -1
    }

    @Test("one small sweep through SQLite, through PostgreSQL with 4 work processes and through submit with a 2-task Slurm array: the same rows bit for bit and the same report")
    func sameResultsEverywhere() throws {
        try TestServices.requireSlurm()
        let reference = try Self.reference(Self.smallYAML, name: "small")

        let (dir, sweep) = try Self.folder(Self.smallYAML, name: "small")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pooled = try TestServices.freshPostgresURL()
        let registered = try CLIRunner.run(["run", sweep, "--db", pooled, "--register-only"])
        #expect(registered.status == 0 && registered.stdout.hasPrefix("sweep 'small': 6 jobs registered in postgresql://"),
                "\(registered.stderr)")
        #expect(!registered.stdout.contains(try PostgresLocation(url: pooled).password ?? "?"))
        let workers = try Self.work(4, url: pooled, sweep: "small", dir: dir)
        #expect(workers.allSatisfy { $0.status == 0 } && workers.map(\.ended).reduce(0, +) == 6, "\(workers)")
        #expect(try Rows(PostgresStore(url: pooled), sweep: "small") == reference.rows)
        #expect(try CLIRunner.run(["report", "--sweep", "small", "--db", pooled]).stdout == reference.report)

        let slurm = try TestServices.freshPostgresURL()
        let submitted = try CLIRunner.run(["submit", sweep, "--db", slurm, "--workers", "2", "--time", "00:30:00",
                                           "--checkpoints", dir.appendingPathComponent("slurm-checkpoints").path], in: dir)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let lines = submitted.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("submitted job array ")
                && lines[0].hasSuffix("(2 workers) for sweep 'small': results/slurm/small/submit-1.sh; logs results/slurm/small/"
                                      + "\(lines[0].split(separator: " ")[3])_<task>.out"), "\(submitted.stdout)")
        #expect(lines.last == "6 open jobs in \(try PostgresLocation(url: slurm)); 'auxsweep status small' shows them and the array's tasks")
        let script = try String(contentsOf: dir.appendingPathComponent("results/slurm/small/submit-1.sh"), encoding: .utf8)
        #expect(script.contains("#SBATCH --array=0-1\n") && script.contains("#SBATCH --time=00:30:00\n"))
        #expect(!script.contains(try PostgresLocation(url: slurm).password ?? "?"))
        try TestServices.waitForSlurm(sweep: "small")
        let tasks = try TestServices.slurmTasks(sweep: "small")
        #expect(tasks.count == 2 && tasks.allSatisfy { $0.state == "COMPLETED" }, "\(tasks)")
        #expect(try Rows(PostgresStore(url: slurm), sweep: "small") == reference.rows)
        #expect(try CLIRunner.run(["report", "--sweep", "small", "--db", slurm]).stdout == reference.report)
        let status = try CLIRunner.run(["status", "small", "--db", slurm])
        #expect(status.stdout.hasSuffix("slurm: 2 array tasks: 0 pending, 0 running, 2 ended (COMPLETED 2)\n"), "\(status.stdout)")
        let overview = try CLIRunner.run(["status", "--db", slurm])
        #expect(overview.stdout.hasSuffix("small: slurm: 2 array tasks: 0 pending, 0 running, 2 ended (COMPLETED 2)\n"), "\(overview.stdout)")
    }

    @Test("db copy: SQLite to PostgreSQL and back gives the same report; a sweep already in the target, or a missing source, is one line")
    func copyBetweenStores() throws {
        let (dir, sweep) = try Self.folder(Self.smallYAML, name: "small")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = dir.appendingPathComponent("first.sqlite").path, back = dir.appendingPathComponent("back.sqlite").path
        #expect(try CLIRunner.run(["run", sweep, "--db", first]).status == 0)
        let url = try TestServices.freshPostgresURL(), masked = try PostgresLocation(url: url).description
        let there = try CLIRunner.run(["db", "copy", "--from", first, "--to", url])
        #expect(there.status == 0 && there.stderr.isEmpty, "\(there.stderr)")
        #expect(there.stdout == "copied sweep 'small' (6 jobs, 180 steps, 18 evaluations) from \(first) to \(masked)\n")
        let again = try CLIRunner.run(["db", "copy", "--from", url, "--to", back, "--sweep", "small"])
        #expect(again.stdout == "copied sweep 'small' (6 jobs, 180 steps, 18 evaluations) from \(masked) to \(back)\n")
        let reports = try [first, url, back].map { try CLIRunner.run(["report", "--sweep", "small", "--db", $0]).stdout }
        #expect(reports[0].contains("Best: w = ") && reports[1] == reports[0] && reports[2] == reports[0])
        #expect(try Rows(SQLiteStore.openExisting(path: back), sweep: "small") == Rows(SQLiteStore.openExisting(path: first), sweep: "small"))

        let refused = try CLIRunner.run(["db", "copy", "--from", first, "--to", url])
        #expect(refused.status == 2 && refused.stdout.isEmpty)
        #expect(refused.stderr == "auxsweep: \(masked): sweep 'small' is already there; nothing was copied (copy it to another store, or rename it)\n")
        let missing = dir.appendingPathComponent("none.sqlite").path
        let noSource = try CLIRunner.run(["db", "copy", "--from", missing, "--to", dir.appendingPathComponent("new.sqlite").path])
        #expect(noSource.status == 2)
        #expect(noSource.stderr == "auxsweep: \(missing): database: does not exist (run 'auxsweep run' first)\n")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("new.sqlite").path))
    }

    @Test("2, 8 and 16 work processes on one PostgreSQL sweep of 60 jobs: every job run exactly once, attempt 1, no errors",
          arguments: [2, 8, 16])
    func noDuplicates(_ processes: Int) throws {
        let (dir, sweep) = try Self.folder(Self.gridYAML, name: "grid")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try TestServices.freshPostgresURL()
        #expect(try CLIRunner.run(["run", sweep, "--db", url, "--register-only"]).status == 0)
        let workers = try Self.work(processes, url: url, sweep: "grid", dir: dir)
        #expect(workers.allSatisfy { $0.status == 0 }, "\(workers)")
        #expect(workers.map(\.ended).reduce(0, +) == 60, "\(workers.map(\.ended))")
        let rows = try Rows(PostgresStore(url: url), sweep: "grid")
        #expect(rows.status.count == 60 && rows.status.values.allSatisfy { $0 == "done" })
        #expect(rows.attempts.values.allSatisfy { $0 == 1 }, "\(rows.attempts.filter { $0.value != 1 })")
        #expect(rows.steps.values.allSatisfy { $0.map(\.iteration) == [0, 1] })
        #expect(rows.evals.values.allSatisfy { $0.map(\.iteration) == [2] })
    }
}

/// Workers that die, are cancelled or lose their server, and submissions that are refused.
extension ClusterCommandTests {
    /// The long sweep's plain SQLite run, made once for the tests that interrupt it.
    static let longReference = Result(catching: { try reference(longYAML, name: "long") })

    /// Polls `store` every 50 ms until `condition` holds for the sweep's jobs (at most 300 s).
    static func wait(_ store: any ResultsStore, sweep: String, until condition: ([JobSummary]) -> Bool) throws {
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            if condition(try store.jobSummaries(JobFilter(sweep: sweep))) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestServices.Missing(description: "the awaited state of sweep \(sweep) did not come in 300 s")
    }

    /// Whether every job of the sweep is done.
    static func allDone(_ store: any ResultsStore, sweep: String) throws -> Bool {
        try store.jobSummaries(JobFilter(sweep: sweep)).allSatisfy { $0.job.status == .done }
    }

    @Test("kill -9 of a work process: its job is taken over once its grace has passed and resumes from its checkpoint; results as uninterrupted")
    func killNineWorker() throws {
        let reference = try Self.longReference.get()
        let (dir, sweep) = try Self.folder(Self.longYAML, name: "long")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try TestServices.freshPostgresURL()
        #expect(try CLIRunner.run(["run", sweep, "--db", url, "--register-only"]).status == 0)
        let checkpoints = dir.appendingPathComponent("checkpoints").path
        let victim = try CLIRunner.start(["work", "--db", url, "--sweep", "long", "--checkpoints", checkpoints, "--grace", "2"],
                                         in: dir, name: "victim")
        let store = try PostgresStore(url: url)
        try Self.wait(store, sweep: "long") { jobs in jobs.contains { $0.job.status == .running && $0.job.checkpointIteration >= 40 } }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        // A worker exits when nothing is claimable, which is so while the killed job's grace runs.
        for _ in 0..<20 where !(try Self.allDone(store, sweep: "long")) {
            let round = try Self.work(1, url: url, sweep: "long", dir: dir, extra: ["--grace", "2"])
            #expect(round.allSatisfy { $0.status == 0 })
            Thread.sleep(forTimeInterval: 0.5)
        }
        let rows = try Rows(store, sweep: "long")
        #expect(rows.results == reference.rows.results)
        #expect(rows.attempts.values.sorted() == [1, 1, 1, 2], "\(rows.attempts)")
    }

    @Test("scancel of a running array task: its worker checkpoints and marks its job interrupted; another task finishes it as uninterrupted")
    func scancelTask() throws {
        try TestServices.requireSlurm()
        let reference = try Self.longReference.get()
        let (dir, sweep) = try Self.folder(Self.longYAML, name: "long")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try TestServices.freshPostgresURL()
        let submit = ["submit", sweep, "--db", url, "--workers", "2", "--checkpoints", dir.appendingPathComponent("checkpoints").path]
        let submitted = try CLIRunner.run(submit, in: dir)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let array = String(submitted.stdout.split(separator: " ")[3])
        let store = try PostgresStore(url: url)
        try Self.wait(store, sweep: "long") { jobs in
            jobs.contains { $0.job.status == .running && $0.job.worker == "slurm:\(array)_0" && $0.job.checkpointIteration >= 20 }
        }
        try TestServices.tool("scancel", ["\(array)_0"])
        try TestServices.waitForSlurm(sweep: "long")
        #expect(try TestServices.slurmTasks(sweep: "long").first { $0.id == "\(array)_0" }?.state == "CANCELLED")
        // Task 1 finishes the job task 0 let go of, unless it had run out of work and ended first (a
        // late start of task 0): then the submission again does.
        for _ in 0..<3 where !(try Self.allDone(store, sweep: "long")) {
            #expect(try CLIRunner.run(submit, in: dir).status == 0)
            try TestServices.waitForSlurm(sweep: "long")
        }
        // Slurm's SIGTERM reached the worker: it checkpointed and let go of its job, which another task took.
        let cancelled = try store.jobSummaries(JobFilter(sweep: "long")).filter { $0.job.attempt > 1 }
        #expect(cancelled.count == 1 && cancelled.allSatisfy { $0.job.worker != "slurm:\(array)_0" }, "\(cancelled.map(\.job))")
        #expect(try Rows(store, sweep: "long").results == reference.rows.results)
    }

    @Test("a running array task requeued (as preemption does): SIGTERM, checkpoint, the requeued task resumes its job; results as uninterrupted")
    func requeuedTask() throws {
        try TestServices.requireSlurm()
        let reference = try Self.longReference.get()
        let (dir, sweep) = try Self.folder(Self.longYAML, name: "long")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try TestServices.freshPostgresURL()
        let submitted = try CLIRunner.run(["submit", sweep, "--db", url, "--workers", "1",
                                           "--checkpoints", dir.appendingPathComponent("checkpoints").path], in: dir)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let array = String(submitted.stdout.split(separator: " ")[3])
        let store = try PostgresStore(url: url)
        try Self.wait(store, sweep: "long") { jobs in jobs.contains { $0.job.status == .running && $0.job.checkpointIteration >= 20 } }
        try TestServices.tool("scontrol", ["requeue", "\(array)_0"])
        // Slurm holds a requeued job back for a while (its begin time); let it start at once. Until the
        // requeue has been taken (the task's restart count moved) squeue may still show the first run.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, let task = try TestServices.slurmTasks(sweep: "long").first {
            let restarted = try TestServices.slurmRestarts(task: "\(array)_0") > 0
            if restarted && ["RUNNING", "COMPLETED"].contains(task.state) { break }
            if task.state == "PENDING" { _ = try? TestServices.tool("scontrol", ["update", "JobId=\(array)_0", "StartTime=now"]) }
            Thread.sleep(forTimeInterval: 0.2)
        }
        try TestServices.waitForSlurm(sweep: "long")
        let rows = try Rows(store, sweep: "long")
        #expect(rows.results == reference.rows.results)
        // The one task ran twice: the job it held when requeued was claimed again (by the task's second run).
        #expect(rows.attempts.values.sorted() == [1, 1, 1, 2], "\(rows.attempts)")
        let log = try String(contentsOf: dir.appendingPathComponent("results/slurm/long/\(array)_0.out"), encoding: .utf8)
        #expect(log.contains("stopped by a signal") && log.contains("none left to claim"), "\(log)")
    }

    @Test("a PostgreSQL restart in the middle of a sweep: the worker reconnects and finishes; results as uninterrupted")
    func postgresRestart() throws {
        let reference = try Self.longReference.get()
        let (dir, sweep) = try Self.folder(Self.longYAML, name: "long")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = dir.appendingPathComponent("postgres")
        let url = try TestServices.startPostgres(in: server)
        defer { TestServices.stopPostgres(in: server) }
        #expect(try CLIRunner.run(["run", sweep, "--db", url, "--register-only"]).status == 0)
        let worker = try CLIRunner.start(["work", "--db", url, "--sweep", "long", "--checkpoints", dir.appendingPathComponent("ck").path],
                                         in: dir, name: "worker")
        let store = try PostgresStore(url: url)
        try Self.wait(store, sweep: "long") { jobs in jobs.contains { $0.job.checkpointIteration >= 20 } }
        // Three and a half jobs still to run: the restart cuts the worker's connections mid-sweep.
        #expect(worker.isRunning)
        try TestServices.restartPostgres(in: server)
        worker.waitUntilExit()
        let log = try String(contentsOf: dir.appendingPathComponent("worker.err"), encoding: .utf8)
        #expect(worker.terminationStatus == 0, "\(log)")
        let rows = try Rows(store, sweep: "long")
        #expect(rows == reference.rows, "\(rows.attempts)")
    }

    @Test("submit without Slurm's tools, or to an SQLite file: one line, exit 2, nothing written")
    func submitRefused() throws {
        let (dir, sweep) = try Self.folder(Self.smallYAML, name: "small")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try TestServices.freshPostgresURL()
        let noSlurm = try CLIRunner.run(["submit", sweep, "--db", url, "--workers", "2", "--checkpoints", "ck"], in: dir,
                                        environment: ["PATH": dir.appendingPathComponent("empty").path])
        #expect(noSlurm.status == 2)
        #expect(noSlurm.stderr == "auxsweep: slurm: sbatch not found on PATH: Slurm's tools are not installed here (submit from a "
                + "login node of the cluster; scripts/services/slurm.sh starts a one-node cluster to try it)\n")
        #expect(try PostgresStore(url: url).sweeps().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path))
        let sqlite = try CLIRunner.run(["submit", sweep, "--db", "r.sqlite", "--workers", "2"], in: dir)
        #expect(sqlite.status == 2)
        #expect(sqlite.stderr == "auxsweep: r.sqlite: --db: submit needs a PostgreSQL store every node reaches (postgresql://...); "
                + "an SQLite file is for one machine ('auxsweep run')\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["small.yaml"])
    }

    @Test("submit --dry-run prints the batch scripts, split at the cluster's MaxArraySize (4 here), and writes nothing")
    func dryRun() throws {
        try TestServices.requireSlurm()
        let (dir, sweep) = try Self.folder(Self.gridYAML, name: "grid")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try TestServices.freshPostgresURL()
        let result = try CLIRunner.run(["submit", sweep, "--db", url, "--workers", "6", "--threads", "2", "--partition", "debug",
                                        "--account", "lab", "--time", "1-00:00:00", "--sbatch-arg", "--mem=2G",
                                        "--checkpoints", "/shared/ck", "--grace", "90", "--dry-run"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let binary = CLIRunner.binary.resolvingSymlinksInPath().path
        let script = { (tasks: Int, part: Int) in
            """
            #!/bin/bash
            # auxsweep: sweep 'grid', job array part \(part) of 2: \(tasks) workers ('auxsweep work'), each claiming jobs until none is left.
            # Written by 'auxsweep submit'. The store's URL comes from AUXSWEEP_DB in the submitting environment.
            #SBATCH --job-name=auxsweep-grid
            #SBATCH --array=0-\(tasks - 1)
            #SBATCH --ntasks=1
            #SBATCH --cpus-per-task=2
            #SBATCH --output=\(dir.path)/results/slurm/grid/%A_%a.out
            #SBATCH --open-mode=append
            #SBATCH --export=ALL
            #SBATCH --signal=B:TERM@120
            #SBATCH --requeue
            #SBATCH --partition=debug
            #SBATCH --time=1-00:00:00
            #SBATCH --account=lab
            #SBATCH --mem=2G
            : "${AUXSWEEP_DB:?AUXSWEEP_DB is not set: submit with 'auxsweep submit --db URL'}"
            exec \(binary) work --sweep grid --threads 2 --checkpoints /shared/ck --grace 90

            """
        }
        #expect(result.stdout == script(4, 1) + "\n" + script(2, 2) + "\n")
        #expect(try PostgresStore(url: url).sweeps().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["grid.yaml"])
    }
}
