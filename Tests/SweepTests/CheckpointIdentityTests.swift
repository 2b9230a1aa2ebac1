import Foundation
import NN
import Segmentation
@testable import Sweep
import Testing

/// A job resumes only from a checkpoint its database vouches for; any other file is set aside with
/// one event and the job trains from 0. Real databases, real checkpoint files, real training.
@Suite("Checkpoint identity")
struct CheckpointIdentityTests {
    typealias T = SweepRunnerTests

    /// The tiny sweep of the runner tests; with `lr`, the same file with another `train.base_lr`.
    static func spec(lr: String? = nil) throws -> SweepSpec {
        let text = lr.map { T.tinyYAML.replacingOccurrences(of: "checkpoint_every: 10}", with: "checkpoint_every: 10, base_lr: \($0)}") }
        return try SpecParser.parse(text ?? T.tinyYAML, file: "tiny.yaml")
    }

    /// The tiny sweep run to the end in a fresh database: the reference every resumed run must equal.
    static func reference() throws -> T.Snapshot {
        let store = try SQLiteStore(path: try T.temporaryDatabase().path)
        try T.run(try spec(), store: store, workers: 2)
        return try T.snapshot(store, sweep: "tiny")
    }

    /// Every job done with exactly 30 step rows.
    static func trainedFully(_ store: any ResultsStore) throws -> Bool {
        try store.jobSummaries(JobFilter(sweep: "tiny")).allSatisfy { $0.job.status == .done && $0.steps == 30 }
    }

    @Test("two databases in one folder never share a checkpoint file")
    func twoDatabasesOneFolder() throws {
        let a = try SQLiteStore(path: try T.temporaryDatabase().path)
        let b = try SQLiteStore(path: URL(fileURLWithPath: a.path).deletingLastPathComponent().appendingPathComponent("b.sqlite").path)
        #expect(a.id != b.id)
        try T.run(try Self.spec(), store: a, workers: 2)
        let events = EventLog()
        try T.run(try Self.spec(), store: b, workers: 2, onProgress: events.record)
        #expect(try Self.trainedFully(b))
        #expect(events.setAside.isEmpty && events.resumedFrom == [Int](repeating: 0, count: 6))
        #expect(try T.snapshot(b, sweep: "tiny") == T.snapshot(a, sweep: "tiny"))
        let pathA = T.runner(try Self.spec(), store: a, workers: 1).checkpointPath(auxWeight: 0.5, seed: 1)
        let pathB = T.runner(try Self.spec(), store: b, workers: 1).checkpointPath(auxWeight: 0.5, seed: 1)
        #expect(pathA != pathB && pathA.contains(a.id) && pathB.contains(b.id))
        #expect(FileManager.default.fileExists(atPath: pathA) && FileManager.default.fileExists(atPath: pathB))
    }

    @Test("another database's checkpoint files are set aside, one event each; the jobs train from 0")
    func foreignFilesSetAside() throws {
        let a = try SQLiteStore(path: try T.temporaryDatabase().path)
        try T.run(try Self.spec(), store: a, workers: 2)
        let b = try SQLiteStore(path: try T.temporaryDatabase().path)
        try b.register(try Self.spec(), text: "")
        let runnerA = T.runner(try Self.spec(), store: a, workers: 1), runnerB = T.runner(try Self.spec(), store: b, workers: 1)
        for (w, seed) in try Self.spec().jobKeys {
            let target = runnerB.checkpointPath(auxWeight: w, seed: Int64(seed))
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: runnerA.checkpointPath(auxWeight: w, seed: Int64(seed)), toPath: target)
        }
        let events = EventLog()
        try T.run(try Self.spec(), store: b, workers: 2, onProgress: events.record)
        #expect(events.setAside.count == 6)
        #expect(events.setAside.allSatisfy { $0.moved && $0.reason == "its auxsweep.store is \(a.id), this job's is \(b.id)" })
        #expect(events.resumedFrom == [Int](repeating: 0, count: 6))
        #expect(try Self.trainedFully(b))
        #expect(try T.snapshot(b, sweep: "tiny") == T.snapshot(a, sweep: "tiny"))
        let folder = runnerB.sweepCheckpointDirectory.path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(names.filter { $0.contains(".set-aside-") }.count == 6 && names.count == 12)
    }

    @Test("a deleted database and a changed spec under the same name: the new spec's own results")
    func deletedDatabaseChangedSpec() throws {
        let path = try T.temporaryDatabase().path
        try T.run(try Self.spec(), store: try SQLiteStore(path: path), workers: 2)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try SQLiteStore(path: path)
        let events = EventLog()
        try T.run(try Self.spec(lr: "0.03"), store: store, workers: 2, onProgress: events.record)
        #expect(try Self.trainedFully(store))
        #expect(events.resumedFrom == [Int](repeating: 0, count: 6))
        // Equal to the changed spec run alone, and not to the old one.
        let alone = try SQLiteStore(path: try T.temporaryDatabase().path)
        try T.run(try Self.spec(lr: "0.03"), store: alone, workers: 2)
        #expect(try T.snapshot(store, sweep: "tiny") == T.snapshot(alone, sweep: "tiny"))
        #expect(try T.snapshot(store, sweep: "tiny") != Self.reference())
    }

    /// A checkpoint file for job (0.5, 1) whose identity differs from the job's in one field.
    static let foreignFields: [(String, @Sendable (inout CheckpointIdentity) -> Void)] = [
        ("auxsweep.sweep", { $0.sweep = "other" }),
        ("auxsweep.spec_hash", { $0.specHash = "0123456789abcdef" }),
        ("auxsweep.job", { $0.jobID += 100 }),
        ("auxsweep.aux_weight", { $0.auxWeight = 0.25 }),
        ("auxsweep.seed", { $0.seed = 7 }),
        ("auxsweep.core", { $0.coreVersion = "0" }),
    ]

    @Test("a file whose identity differs in any one field is set aside naming that field",
          arguments: 0..<foreignFields.count)
    func identityField(_ index: Int) throws {
        let (field, change) = Self.foreignFields[index]
        let spec = try Self.spec()
        let store = try SQLiteStore(path: try T.temporaryDatabase().path)
        try store.register(spec, text: "")
        let runner = T.runner(spec, store: store, workers: 1)
        let job = try #require(try store.jobSummaries(JobFilter(sweep: "tiny", auxWeight: 0.5, seed: 1)).first?.job)
        var identity = CheckpointIdentity(storeID: store.id, sweep: "tiny", specHash: spec.specHash, jobID: try #require(job.id),
                                          auxWeight: 0.5, seed: 1)
        change(&identity)
        // A real checkpoint at iteration 10 with matching rows, so only the identity is wrong.
        let trainer = Trainer(config: spec.config, auxWeight: 0.5, seed: 1)
        let steps = try (0..<10).map { _ in try trainer.step() }
        try store.recordUnfenced(job: try #require(job.id), JobProgress(steps: steps, checkpointIteration: 10))
        let path = runner.checkpointPath(auxWeight: 0.5, seed: 1)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try trainer.saveCheckpoint(to: path, metadata: identity.metadata)

        let events = EventLog()
        try T.run(spec, store: store, workers: 1, onProgress: events.record)
        #expect(events.setAside.count == 1)
        #expect(events.setAside.first?.reason.hasPrefix("its \(field) is ") == true, "\(events.setAside)")
        #expect(events.resumedFrom == [Int](repeating: 0, count: 6))
        #expect(try Self.trainedFully(store))
        #expect(try T.snapshot(store, sweep: "tiny") == Self.reference())
    }

    /// A new database with `spec` registered and a file that is no checkpoint where job (w, seed) looks.
    static func damagedCheckpoint(_ spec: SweepSpec, auxWeight: Double, seed: Int64) throws -> (SQLiteStore, String) {
        let store = try SQLiteStore(path: try T.temporaryDatabase().path)
        try store.register(spec, text: "")
        let path = T.runner(spec, store: store, workers: 1).checkpointPath(auxWeight: auxWeight, seed: seed)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: path))
        return (store, path)
    }

    @Test("a damaged file is set aside once, without recursion; the job trains from 0")
    func damagedFile() throws {
        let spec = try Self.spec()
        let (store, _) = try Self.damagedCheckpoint(spec, auxWeight: 1.0, seed: 0)
        let events = EventLog()
        try T.run(spec, store: store, workers: 2, onProgress: events.record)
        #expect(events.setAside.count == 1 && events.setAside.first?.job == JobKey(auxWeight: 1.0, seed: 0))
        #expect(events.setAside.first?.reason.hasPrefix("it does not read (") == true)
        #expect(try Self.trainedFully(store))
        #expect(try T.snapshot(store, sweep: "tiny") == Self.reference())
    }

    /// Interrupts the tiny sweep on one worker after 10 steps: its first job stops at iteration 10,
    /// right after its checkpoint there (so the stop adds no checkpoint of its own).
    static func interrupted() throws -> SQLiteStore {
        let store = try SQLiteStore(path: try T.temporaryDatabase().path)
        let stop = StopSignal(), counter = Locked(0)
        try T.run(try spec(), store: store, workers: 1, stop: stop) { event in
            if case .step = event, counter.withLock({ $0 += 1; return $0 }) == 10 { stop.raise() }
        }
        return store
    }

    @Test("a stop's checkpoint written but not recorded (killed in between) is trusted: the job resumes where it stopped")
    func stopCheckpointAheadTrusted() throws {
        let store = try SQLiteStore(path: try T.temporaryDatabase().path)
        let stop = StopSignal(), counter = Locked(0)
        try T.run(try Self.spec(), store: store, workers: 1, stop: stop) { event in
            if case .step = event, counter.withLock({ $0 += 1; return $0 }) == 13 { stop.raise() }
        }
        // The stop checkpointed the job at 13; the row is set back to the periodic checkpoint at 10,
        // as a kill between the stop's file and its record leaves it.
        let stopped = try #require(try store.jobSummaries(JobFilter(sweep: "tiny")).first { $0.job.checkpointIteration == 13 })
        try store.recordUnfenced(job: try #require(stopped.job.id), JobProgress(checkpointIteration: 10))
        let events = EventLog()
        try T.run(try Self.spec(), store: store, workers: 2, onProgress: events.record)
        #expect(events.setAside.isEmpty)
        #expect(events.resumedFrom.filter { $0 > 0 } == [13])
        #expect(try T.snapshot(store, sweep: "tiny") == Self.reference())
    }

    @Test("a checkpoint one ahead of its row (killed between writing the file and recording it) is trusted")
    func oneAheadTrusted() throws {
        let store = try Self.interrupted()
        var rewound = 0
        for summary in try store.jobSummaries(JobFilter(sweep: "tiny")) where summary.job.checkpointIteration == 10 {
            try store.recordUnfenced(job: try #require(summary.job.id), JobProgress(checkpointIteration: 0))
            rewound += 1
        }
        #expect(rewound == 1)
        let events = EventLog()
        try T.run(try Self.spec(), store: store, workers: 2, onProgress: events.record)
        #expect(events.setAside.isEmpty)
        #expect(events.resumedFrom.filter { $0 == 10 }.count == rewound)
        #expect(try T.snapshot(store, sweep: "tiny") == Self.reference())
    }

    @Test("a checkpoint whose step rows are missing, or whose iteration the row does not record, is set aside",
          arguments: ["rows", "iteration"])
    func rowsDisagree(_ what: String) throws {
        let store = try Self.interrupted()
        let summary = try #require(try store.jobSummaries(JobFilter(sweep: "tiny")).first { $0.job.checkpointIteration == 10 })
        let id = try #require(summary.job.id)
        if what == "rows" {
            // Rows from 5 on gone: the file at 10 runs ahead of the rows.
            try store.rewindUnfenced(job: id, to: 5)
            try store.recordUnfenced(job: id, JobProgress(checkpointIteration: 10))
        } else {
            // The row records 20: the file at 10 is neither that nor the next one.
            try store.recordUnfenced(job: id, JobProgress(checkpointIteration: 20))
        }
        let events = EventLog()
        try T.run(try Self.spec(), store: store, workers: 2, onProgress: events.record)
        let expected = what == "rows" ? "the database holds 5 step rows before its iteration 10"
            : "its iteration 10 is before the job's recorded checkpoint (20)"
        #expect(events.setAside.map(\.reason) == [expected])
        #expect(events.setAside.first?.job == JobKey(auxWeight: summary.job.auxWeight, seed: summary.job.seed))
        #expect(try Self.trainedFully(store))
        #expect(try T.snapshot(store, sweep: "tiny") == Self.reference())
    }
}

extension CheckpointIdentityTests {
    @Test("a database of the first release gets a store id, and its sweep keeps its results under the new spec hash")
    func firstReleaseDatabase() throws {
        // Fixtures/first-release.sqlite: `auxsweep run first-release.yaml` by the build before
        // checkpoint identities (schema v1, spec hash without the data kind); both jobs done.
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let path = try T.temporaryDatabase().path
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("first-release.sqlite"), to: URL(fileURLWithPath: path))
        let spec = try SpecParser.parse(path: fixtures.appendingPathComponent("first-release.yaml").path)
        let store = try SQLiteStore(path: path)
        let recorded = try #require(try store.sweeps().first?.specHash)
        #expect(spec.firstSpecHash == recorded && spec.specHash != recorded)
        #expect(UUID(uuidString: store.id) != nil)
        try store.register(spec, text: "")
        #expect(try store.sweeps().map(\.specHash) == [spec.specHash])
        let before = try T.snapshot(store, sweep: "legacy")
        let events = EventLog()
        try T.run(spec, store: store, workers: 1, onProgress: events.record)
        #expect(events.resumedFrom.isEmpty && before.status.values.allSatisfy { $0 == "done" } && before.status.count == 2)
        #expect(try T.snapshot(store, sweep: "legacy") == before)
        // Reopening keeps the id.
        #expect(try SQLiteStore(path: path).id == store.id)
    }
}

extension CheckpointIdentityTests {
    /// Runs `chattr` (e2fsprogs) on `path`; true when it succeeded.
    @discardableResult
    static func chattr(_ flag: String, _ path: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Whether this machine can make a file immutable (root on ext4 and most Linux file systems).
    static let immutableFilesWork: Bool = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("auxsweep-chattr-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: Data()) else { return false }
        defer { chattr("-i", path); try? FileManager.default.removeItem(atPath: path) }
        return chattr("+i", path)
    }()

    @Test("a damaged file that cannot be moved is reported once; the sweep stops with an error naming it, no recursion",
          .enabled(if: immutableFilesWork, "needs chattr +i (root on a Linux file system with immutable files)"))
    func immovableFile() throws {
        let spec = try Self.spec()
        let (store, path) = try Self.damagedCheckpoint(spec, auxWeight: 0.0, seed: 0)
        #expect(Self.chattr("+i", path))
        defer { Self.chattr("-i", path) }
        let events = EventLog()
        #expect {
            try T.run(spec, store: store, workers: 1, onProgress: events.record)
        } throws: { error in
            "\(error)".contains(path)
        }
        #expect(events.setAside.count == 1 && events.setAside.first?.moved == false)
        #expect(events.setAside.first?.reason.hasPrefix("it does not read (") == true)
    }
}

extension CheckpointIdentityTests {
    @Test("a first-release checkpoint (no store id in its path, no identity) is set aside; the job trains from 0")
    func firstReleaseCheckpoint() throws {
        let store = try Self.interrupted()
        let runner = T.runner(try Self.spec(), store: store, workers: 1)
        let summary = try #require(try store.jobSummaries(JobFilter(sweep: "tiny")).first { $0.job.checkpointIteration == 10 })
        let (w, seed) = (summary.job.auxWeight, summary.job.seed)
        // Where the first release kept it: checkpoints/<sweep>/w<w>-s<seed>.safetensors.
        let legacy = runner.checkpointDirectory.appendingPathComponent("tiny").appendingPathComponent("w\(w)-s\(seed).safetensors").path
        try FileManager.default.createDirectory(atPath: (legacy as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: runner.checkpointPath(auxWeight: w, seed: seed), toPath: legacy)
        let events = EventLog()
        try T.run(try Self.spec(), store: store, workers: 2, onProgress: events.record)
        #expect(events.setAside.map(\.reason) == ["it is in the first release's place, without an identity"])
        #expect(!FileManager.default.fileExists(atPath: legacy))
        #expect(events.resumedFrom.allSatisfy { $0 == 0 })
        #expect(try T.snapshot(store, sweep: "tiny") == Self.reference())
    }

    @Test("a checkpoint the row records but whose file is gone is reported; the job trains from 0")
    func missingCheckpoint() throws {
        let store = try Self.interrupted()
        let runner = T.runner(try Self.spec(), store: store, workers: 1)
        let summary = try #require(try store.jobSummaries(JobFilter(sweep: "tiny")).first { $0.job.checkpointIteration == 10 })
        try FileManager.default.removeItem(atPath: runner.checkpointPath(auxWeight: summary.job.auxWeight, seed: summary.job.seed))
        let events = EventLog()
        try T.run(try Self.spec(), store: store, workers: 2, onProgress: events.record)
        #expect(events.missing == [JobKey(auxWeight: summary.job.auxWeight, seed: summary.job.seed)])
        #expect(events.setAside.isEmpty && events.resumedFrom.allSatisfy { $0 == 0 })
        #expect(try T.snapshot(store, sweep: "tiny") == Self.reference())
    }
}

extension CheckpointIdentityTests {
    @Test("a final checkpoint one ahead of its row (killed before 'done' was recorded) is trusted; the job ends at once")
    func finalCheckpointAhead() throws {
        let store = try SQLiteStore(path: try T.temporaryDatabase().path)
        try T.run(try Self.spec(), store: store, workers: 2)
        let finished = try T.snapshot(store, sweep: "tiny")
        // The state of a kill after the final file but before the 'done' row: the row still records
        // the checkpoint at 20, the file is at 30 (the next one after 20 is the last iteration).
        for summary in try store.jobSummaries(JobFilter(sweep: "tiny")) {
            try store.recordUnfenced(job: try #require(summary.job.id), JobProgress(status: .interrupted, checkpointIteration: 20))
        }
        let events = EventLog()
        try T.run(try Self.spec(), store: store, workers: 2, onProgress: events.record)
        #expect(events.setAside.isEmpty && events.resumedFrom == [Int](repeating: 30, count: 6))
        #expect(try T.snapshot(store, sweep: "tiny") == finished)
    }

    @Test("a checkpoint without an identity in the job's place is set aside, naming the missing field")
    func fileWithoutIdentity() throws {
        let spec = try Self.spec()
        let store = try SQLiteStore(path: try T.temporaryDatabase().path)
        try store.register(spec, text: "")
        let path = T.runner(spec, store: store, workers: 1).checkpointPath(auxWeight: 0.5, seed: 0)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Trainer(config: spec.config, auxWeight: 0.5, seed: 0).saveCheckpoint(to: path)
        let events = EventLog()
        try T.run(spec, store: store, workers: 2, onProgress: events.record)
        #expect(events.setAside.map(\.reason) == ["it has no auxsweep.store (not written by this version of auxsweep)"])
        #expect(try T.snapshot(store, sweep: "tiny") == Self.reference())
    }
}
