import Foundation
import Sweep
import Testing

/// An adaptive sweep as a user runs it: two `run` processes on one database, both killed with -9 in
/// the middle of a round (round 2, unless this CPU's values end the sweep after round 1), then
/// resumed; its rounds, decisions and jobs are the uninterrupted run's.
@Suite("Adaptive sweep commands", .serialized)
struct AdaptiveCommandTests {
    /// 3 weights, 2 seeds each in round 1, then one more per round up to 4: up to 12 short jobs, on
    /// the easy task so that the jobs learn something and their mIoU differ by weight and seed (the
    /// decisions then rest on real, distinct values; which ones a CPU produces is not assumed).
    static let sweepYAML = """
        name: adapt
        aux_weights: [0.0, 0.5, 1.0]
        seeds: {initial: 2, step: 1, max: 4}
        data: {kind: simple-shapes, train_images: 2000, val_images: 32, size: 32}
        model: {blocks: [1, 1, 1, 1]}
        train: {iterations: 120, batch: 8, eval_every: 60, checkpoint_every: 20, base_lr: 0.05}
        """

    static func setUp() throws -> (dir: URL, sweep: String, db: String) {
        let dir = try CLIRunner.temporaryDirectory()
        let sweep = dir.appendingPathComponent("adapt.yaml").path
        try sweepYAML.write(toFile: sweep, atomically: true, encoding: .utf8)
        return (dir, sweep, dir.appendingPathComponent("db/results.sqlite").path)
    }

    /// The rounds without their time stamps, and each job's status and final mIoU.
    static func outcome(_ db: String) throws -> (rounds: [SweepRound], jobs: [String: String]) {
        let store = try SQLiteStore.openExisting(path: db)
        let rounds = try store.adaptiveState(sweep: "adapt")?.rounds.map { r -> SweepRound in
            var copy = r
            copy.decided = nil
            return copy
        } ?? []
        var jobs: [String: String] = [:]
        for j in try store.jobSummaries(JobFilter(sweep: "adapt")) {
            jobs["\(j.job.auxWeight)/\(j.job.seed)"] = "\(j.job.status.rawValue) miou=\(j.miou ?? -1)"
        }
        return (rounds, jobs)
    }

    @Test("two processes killed with -9 in the middle of a round, then resumed: the same rounds, decisions and jobs as uninterrupted")
    func killAndResume() throws {
        let reference = try Self.setUp(), killed = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: reference.dir); try? FileManager.default.removeItem(at: killed.dir) }
        let clean = try CLIRunner.run(["run", reference.sweep, "--db", reference.db, "--jobs", "2"])
        #expect(clean.status == 0, "\(clean.stderr)")
        let expected = try Self.outcome(reference.db)
        #expect(expected.rounds.last?.decision?.stop != nil, "\(expected.rounds)")
        #expect(expected.jobs.values.allSatisfy { $0.hasPrefix("done ") })
        // The jobs learned: their final mIoU are not all one value (a network predicting background only).
        #expect(Set(expected.jobs.values).count > expected.jobs.count / 2, "\(expected.jobs)")
        #expect(clean.stdout.contains("Adaptive: seeds 2 + 1 per round up to 4") && clean.stdout.contains("Round 1 (2 seeds per weight, 3 weights): best w = "))
        // The kill lands in round 2 when the uninterrupted sweep had one: a resumed sweep must then
        // take round 1's decision again and finish round 2 as planned. Which rounds there are rests
        // on the mIoU this CPU computes: should round 1 drop every weight but the best, round 1.
        let killRound = expected.rounds.count >= 2 ? 2 : 1
        let firstSeed = killRound == 2 ? 2 : 0
        #expect(killRound == 1 || clean.stderr.contains("Round 2: "), "\(clean.stderr)")

        // Two processes share the sweep; both are killed once the round has begun and a job of it has rows.
        let a = try CLIRunner.start(["run", killed.sweep, "--db", killed.db, "--jobs", "1"], in: killed.dir, name: "a")
        let started = Self.wait(for: a) { FileManager.default.fileExists(atPath: killed.db) }
        let b = try CLIRunner.start(["run", killed.sweep, "--db", killed.db, "--jobs", "1"], in: killed.dir, name: "b")
        let midRound = Self.wait(for: a) {
            guard let store = try? SQLiteStore.openExisting(path: killed.db),
                  let rounds = try? store.adaptiveState(sweep: "adapt")?.rounds, rounds.count >= killRound,
                  let jobs = try? store.jobSummaries(JobFilter(sweep: "adapt")) else { return false }
            let round = rounds[killRound - 1]
            return jobs.contains { Int($0.job.seed) >= firstSeed && $0.steps > 0 && round.decision == nil && !$0.job.status.hasEnded }
        }
        kill(a.processIdentifier, SIGKILL)
        kill(b.processIdentifier, SIGKILL)
        a.waitUntilExit()
        b.waitUntilExit()
        #expect(started && midRound, "the sweep ended before round \(killRound) was under way")
        let halfway = try Self.outcome(killed.db)
        // (The round may just have ended between the last look and the kill.)
        #expect(halfway.rounds.count >= killRound)
        if killRound == 2 { #expect(halfway.rounds[0] == expected.rounds[0]) }

        // Resumed by two processes again.
        let c = try CLIRunner.start(["run", killed.sweep, "--db", killed.db, "--jobs", "1"], in: killed.dir, name: "c")
        let d = try CLIRunner.start(["run", killed.sweep, "--db", killed.db, "--jobs", "1"], in: killed.dir, name: "d")
        c.waitUntilExit()
        d.waitUntilExit()
        let errors = try ["c", "d"].map { try String(contentsOf: killed.dir.appendingPathComponent("\($0).err"), encoding: .utf8) }
        #expect(c.terminationStatus == 0 && d.terminationStatus == 0, "\(errors)")
        let after = try Self.outcome(killed.db)
        #expect(after.rounds == expected.rounds)
        #expect(after.jobs == expected.jobs)

        // status shows the plan and every round; the report marks what was dropped and lists the rounds.
        let status = try CLIRunner.run(["status", "adapt", "--db", killed.db])
        #expect(status.status == 0 && status.stdout.contains(expected.rounds.map(\.summary).joined(separator: "\n")), "\(status.stdout)")
        let report = try CLIRunner.run(["report", "--db", killed.db, "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let adaptive = try #require(json["adaptive"] as? [String: Any])
        #expect((adaptive["rounds"] as? [[String: Any]])?.count == expected.rounds.count)
    }

    /// Polls every 10 ms until `condition` holds; false when the process ended first (300 s at most).
    static func wait(for process: Process, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }
}
