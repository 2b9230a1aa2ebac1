import Foundation
import NN
import Segmentation
@testable import Sweep
import Testing

@Suite("Sweep runner and store")
struct SweepRunnerTests {
    static let tinyYAML = """
        name: tiny
        aux_weights: [0.0, 0.5, 1.0]
        seeds: 2
        data: {train_images: 640, val_images: 16, size: 32}
        model: {blocks: [1, 1, 1, 1]}
        train: {iterations: 30, batch: 4, eval_every: 10, checkpoint_every: 10}
        """

    /// A fresh database path in a fresh directory.
    static func temporaryDatabase() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("auxsweep-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("results.sqlite")
    }

    /// Every job's steps and evaluations, keyed by (weight, seed), with the job's status and attempt.
    struct Snapshot: Equatable {
        var status: [String: String] = [:]
        var steps: [String: [StepRecord]] = [:]
        var evals: [String: [EvaluationRecord]] = [:]
    }

    static func snapshot(_ store: any ResultsStore, sweep: String) throws -> Snapshot {
        var s = Snapshot()
        for j in try store.jobSummaries(JobFilter(sweep: sweep)) {
            let key = "\(j.job.auxWeight)/\(j.job.seed)"
            guard let id = j.job.id else { continue }
            s.status[key] = j.job.status.rawValue
            s.steps[key] = try store.steps(job: id)
            s.evals[key] = try store.evaluations(job: id)
        }
        return s
    }

    /// The runner `auxsweep run` makes: checkpoints in `checkpoints/` beside the database.
    static func runner(_ spec: SweepSpec, store: SQLiteStore, workers: Int, stop: StopSignal = StopSignal(),
                       onProgress: @escaping @Sendable (SweepProgress) -> Void = { _ in },
                       makeJob: @escaping SweepRunner.JobFactory = SweepRunner.trainers) -> SweepRunner {
        SweepRunner(spec: spec, store: store,
                    checkpointDirectory: URL(fileURLWithPath: store.path).deletingLastPathComponent().appendingPathComponent("checkpoints"),
                    workers: workers, stop: stop, makeJob: makeJob, onProgress: onProgress)
    }

    static func run(_ spec: SweepSpec, store: SQLiteStore, workers: Int, stop: StopSignal = StopSignal(),
                    onProgress: @escaping @Sendable (SweepProgress) -> Void = { _ in },
                    makeJob: @escaping SweepRunner.JobFactory = SweepRunner.trainers) throws {
        try store.register(spec, text: "")
        try runner(spec, store: store, workers: workers, stop: stop, onProgress: onProgress, makeJob: makeJob).run()
    }

    @Test("results are bit-identical with one or two workers, and equal to a job trained alone")
    func deterministic() throws {
        let spec = try SpecParser.parse(Self.tinyYAML, file: "tiny.yaml")
        let one = try SQLiteStore(path: try Self.temporaryDatabase().path)
        let two = try SQLiteStore(path: try Self.temporaryDatabase().path)
        try Self.run(spec, store: one, workers: 1)
        try Self.run(spec, store: two, workers: 2)
        let a = try Self.snapshot(one, sweep: "tiny"), b = try Self.snapshot(two, sweep: "tiny")
        #expect(a == b)
        #expect(a.status.values.allSatisfy { $0 == "done" } && a.status.count == 6)
        #expect(a.steps.values.allSatisfy { $0.count == 30 } && a.evals.values.allSatisfy { $0.map(\.iteration) == [10, 20, 30] })

        // The same job through the plain trainer (what `auxsweep train` runs).
        var losses: [Float] = [], last: EvaluationRecord?
        try Trainer(config: spec.config, auxWeight: 0.5, seed: 1).run { event in
            if case .step(let s) = event { losses.append(s.totalLoss) }
            if case .evaluation(let e) = event { last = e }
        }
        #expect(a.steps["0.5/1"]?.map(\.totalLoss) == losses)
        #expect(a.evals["0.5/1"]?.last?.miou == last?.miou)
    }

    @Test("an interrupted sweep resumes from its checkpoints to exactly the uninterrupted result")
    func interruptAndResume() throws {
        let spec = try SpecParser.parse(Self.tinyYAML, file: "tiny.yaml")
        let reference = try SQLiteStore(path: try Self.temporaryDatabase().path)
        try Self.run(spec, store: reference, workers: 2)

        let store = try SQLiteStore(path: try Self.temporaryDatabase().path)
        for stopAt in [7, 23, 41] {
            // Stop every worker once the sweep has taken `stopAt` steps in this run.
            let stop = StopSignal(), counter = Locked(0)
            try Self.run(spec, store: store, workers: 2, stop: stop) { event in
                if case .step = event, counter.withLock({ $0 += 1; return $0 }) == stopAt { stop.raise() }
            }
            let statuses = try store.jobSummaries(JobFilter(sweep: "tiny")).map(\.job.status)
            #expect(statuses.contains(.interrupted), "stopping after \(stopAt) steps leaves interrupted jobs")
        }
        // A stop checkpoints each job where it stopped, between the periodic checkpoints (every 10).
        let stoppedAt = try store.jobSummaries(JobFilter(sweep: "tiny")).filter { $0.job.status == .interrupted }
        #expect(stoppedAt.allSatisfy { $0.job.checkpointIteration == $0.steps } && stoppedAt.contains { $0.steps % 10 != 0 },
                "\(stoppedAt.map { ($0.steps, $0.job.checkpointIteration) })")
        let events = EventLog()
        try Self.run(spec, store: store, workers: 2, onProgress: events.record)
        #expect(events.resumedFrom.filter { $0 > 0 }.sorted() == stoppedAt.map(\.steps).filter { $0 > 0 }.sorted())
        #expect(try Self.snapshot(store, sweep: "tiny") == Self.snapshot(reference, sweep: "tiny"))
    }

    @Test("a job killed after its final checkpoint but before 'done' is finished on the next run, rows unchanged")
    func killedAtTheEnd() throws {
        let spec = try SpecParser.parse(Self.tinyYAML, file: "tiny.yaml")
        let store = try SQLiteStore(path: try Self.temporaryDatabase().path)
        try Self.run(spec, store: store, workers: 2)
        let finished = try Self.snapshot(store, sweep: "tiny")
        // The state a kill between the final checkpoint file and the 'done' row leaves: the rows and
        // the file are written, the job is not done.
        for j in try store.jobSummaries(JobFilter(sweep: "tiny")) {
            try store.recordUnfenced(job: try #require(j.job.id), JobProgress(status: .interrupted))
        }
        #expect(try Self.snapshot(store, sweep: "tiny").status.values.allSatisfy { $0 == "interrupted" })
        try Self.run(spec, store: store, workers: 1)
        #expect(try Self.snapshot(store, sweep: "tiny") == finished)
    }

    @Test("planning is idempotent; a changed file under the same name is refused")
    func planning() throws {
        let store = try SQLiteStore(path: try Self.temporaryDatabase().path)
        let spec = try SpecParser.parse(Self.tinyYAML, file: "tiny.yaml")
        try store.register(spec, text: Self.tinyYAML)
        try store.register(spec, text: Self.tinyYAML)
        #expect(try store.jobSummaries(JobFilter(sweep: "tiny")).count == 6)
        var changed = spec
        changed.config.train.iterations = 31
        #expect(throws: StoreError.specChanged("tiny")) { try store.register(changed, text: "") }
    }

    @Test("a failing job fails alone with its iteration and its rows up to it; the others finish", arguments: [1, 2])
    func failureIsolated(workers: Int) throws {
        let spec = try SpecParser.parse(Self.tinyYAML, file: "tiny.yaml")
        let store = try SQLiteStore(path: try Self.temporaryDatabase().path)
        // The job (w = 0.5, seed 1) throws the trainer's non-finite-loss error at iteration 17.
        try Self.run(spec, store: store, workers: workers, makeJob: { config, weight, seed in
            let trainer = Trainer(config: config, auxWeight: weight, seed: seed)
            guard weight == 0.5 && seed == 1 else { return trainer }
            return HookedJob(trainer) { iteration in
                if iteration == 17 { throw TrainingError.nonFiniteLoss(iteration: 17, loss: .nan) }
            }
        })
        let jobs = try store.jobSummaries(JobFilter(sweep: "tiny"))
        let failed = try #require(jobs.first { $0.job.auxWeight == 0.5 && $0.job.seed == 1 })
        #expect(failed.job.status == .failed)
        #expect(failed.job.error == "loss is NaN at iteration 17")
        #expect(failed.steps == 17 && failed.iteration == 10)
        #expect(try store.steps(job: try #require(failed.job.id)).map(\.iteration) == Array(0..<17))
        let others = jobs.filter { $0.job.id != failed.job.id }
        #expect(others.count == 5 && others.allSatisfy { $0.job.status == .done && $0.steps == 30 && $0.iteration == 30 })
    }
}

extension SweepRunnerTests {
    @Test("more workers than cores are that many threads, all running a job at once")
    func moreWorkersThanCores() throws {
        let workers = 2 * ProcessInfo.processInfo.activeProcessorCount + 1
        let spec = try SpecParser.parse("""
            name: wide
            aux_weights: [0.5]
            seeds: \(workers)
            data: {train_images: 16, val_images: 4, size: 16}
            model: {blocks: [1, 1, 1, 1]}
            train: {iterations: 2, batch: 2, eval_every: 2}
            """, file: "wide.yaml")
        let store = try SQLiteStore(path: try Self.temporaryDatabase().path)
        let barrier = Barrier(count: workers)
        try Self.run(spec, store: store, workers: workers, makeJob: { config, weight, seed in
            HookedJob(Trainer(config: config, auxWeight: weight, seed: seed)) { iteration in
                if iteration == 0 { barrier.arrive() }
            }
        })
        // Every job waited in its first step until all were there: each had a thread of its own.
        #expect(barrier.allArrived && !barrier.timedOut)
        #expect(try store.jobSummaries(JobFilter(sweep: "wide")).allSatisfy { $0.job.status == .done })
    }
}

/// Holds each arriving thread until `count` have arrived (or 120 s pass: a runner that caps its
/// threads never gets there, and `timedOut` says so).
final class Barrier: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private var arrived = 0
    private var gaveUp = false

    init(count: Int) { self.count = count }

    func arrive() {
        condition.withLock {
            arrived += 1
            condition.broadcast()
            let deadline = Date().addingTimeInterval(120)
            while arrived < count {
                guard condition.wait(until: deadline) || arrived >= count else {
                    gaveUp = true
                    return
                }
            }
        }
    }

    var allArrived: Bool { condition.withLock { arrived >= count } }
    /// A thread stopped waiting before all had arrived.
    var timedOut: Bool { condition.withLock { gaveUp } }
}

/// A real trainer with a hook before each step, given the iteration about to run: it can throw (a
/// job that fails on cue, without depending on any numerics) or wait (a barrier).
final class HookedJob: TrainingJob {
    let trainer: Trainer
    let beforeStep: (Int) throws -> Void

    init(_ trainer: Trainer, beforeStep: @escaping (Int) throws -> Void) {
        self.trainer = trainer
        self.beforeStep = beforeStep
    }

    var iteration: Int { trainer.iteration }
    var isFinished: Bool { trainer.isFinished }
    var evaluationDue: Bool { trainer.evaluationDue }
    func step() throws -> StepRecord {
        try beforeStep(trainer.iteration)
        return try trainer.step()
    }
    func evaluate() -> EvaluationRecord { trainer.evaluate() }
    func saveCheckpoint(to path: String, metadata: [String: String]) throws { try trainer.saveCheckpoint(to: path, metadata: metadata) }
    func restoreCheckpoint(from file: SafeTensors.File, path: String) throws { try trainer.restoreCheckpoint(from: file, path: path) }
}

/// The progress events a run reported, collected across worker threads.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [SweepProgress] = []
    func record(_ event: SweepProgress) { lock.withLock { events.append(event) } }

    /// The checkpoints set aside: (job, reason, whether the file was moved).
    var setAside: [(job: JobKey, reason: String, moved: Bool)] {
        lock.withLock {
            events.compactMap {
                if case let .checkpointSetAside(_, job, _, movedTo, reason) = $0 { (job, reason, movedTo != nil) } else { nil }
            }
        }
    }

    /// The jobs whose recorded checkpoint file was missing.
    var missing: [JobKey] {
        lock.withLock { events.compactMap { if case let .checkpointMissing(_, job, _, _) = $0 { job } else { nil } } }
    }

    /// The iteration each started job resumed from.
    var resumedFrom: [Int] {
        lock.withLock { events.compactMap { if case let .started(_, _, _, from) = $0 { from } else { nil } } }
    }
}
