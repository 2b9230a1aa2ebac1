import Foundation
import Segmentation
import Sweep
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
        var steps: [String: [StepRow]] = [:]
        var evals: [String: [EvalRow]] = [:]
    }

    static func snapshot(_ store: ResultsStore, sweep: String) throws -> Snapshot {
        var s = Snapshot()
        for j in try store.jobSummaries(JobFilter(sweep: sweep)) {
            let key = "\(j.job.auxWeight)/\(j.job.seed)"
            guard let id = j.job.id else { continue }
            s.status[key] = j.job.status.rawValue
            // Compare values, not job ids (ids differ between databases).
            s.steps[key] = try store.steps(job: id).map { var r = $0; r.job = 0; return r }
            s.evals[key] = try store.evaluations(job: id).map { var r = $0; r.job = 0; return r }
        }
        return s
    }

    static func run(_ spec: SweepSpec, store: ResultsStore, workers: Int, stop: StopSignal = StopSignal(),
                    onProgress: @escaping @Sendable (SweepProgress) -> Void = { _ in }) throws {
        try store.register(spec, text: "")
        let runner = SweepRunner(spec: spec, store: store,
                                 checkpointDirectory: URL(fileURLWithPath: store.path).deletingLastPathComponent()
                                    .appendingPathComponent("checkpoints"),
                                 workers: workers, stop: stop, onProgress: onProgress)
        try runner.run()
    }

    @Test("results are bit-identical with one or two workers, and equal to a job trained alone")
    func deterministic() throws {
        let spec = try SpecParser.parse(Self.tinyYAML, file: "tiny.yaml")
        let one = try ResultsStore(path: try Self.temporaryDatabase().path)
        let two = try ResultsStore(path: try Self.temporaryDatabase().path)
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
        #expect(a.steps["0.5/1"]?.map { Float($0.totalLoss) } == losses)
        #expect(a.evals["0.5/1"]?.last?.miou == last?.meanIoU)
    }

    @Test("an interrupted sweep resumes from its checkpoints to exactly the uninterrupted result")
    func interruptAndResume() throws {
        let spec = try SpecParser.parse(Self.tinyYAML, file: "tiny.yaml")
        let reference = try ResultsStore(path: try Self.temporaryDatabase().path)
        try Self.run(spec, store: reference, workers: 2)

        let store = try ResultsStore(path: try Self.temporaryDatabase().path)
        for stopAt in [7, 23, 41] {
            // Stop every worker once the sweep has taken `stopAt` steps in this run.
            let stop = StopSignal(), counter = Counter()
            try Self.run(spec, store: store, workers: 2, stop: stop) { event in
                if case .step = event, counter.increment() == stopAt { stop.raise() }
            }
            let statuses = try store.jobSummaries(JobFilter(sweep: "tiny")).map(\.job.status)
            #expect(statuses.contains(.interrupted), "stopping after \(stopAt) steps leaves interrupted jobs")
        }
        try Self.run(spec, store: store, workers: 2)
        #expect(try Self.snapshot(store, sweep: "tiny") == Self.snapshot(reference, sweep: "tiny"))
    }

    @Test("a job killed after its final checkpoint but before 'done' is finished on the next run, rows unchanged")
    func killedAtTheEnd() throws {
        let spec = try SpecParser.parse(Self.tinyYAML, file: "tiny.yaml")
        let store = try ResultsStore(path: try Self.temporaryDatabase().path)
        try Self.run(spec, store: store, workers: 2)
        let finished = try Self.snapshot(store, sweep: "tiny")
        // The state a kill between the final checkpoint file and the 'done' row leaves: the rows and
        // the file are written, the job is not done.
        for j in try store.jobSummaries(JobFilter(sweep: "tiny")) {
            try store.record(job: try #require(j.job.id), steps: [], evaluations: [], status: .interrupted)
        }
        #expect(try Self.snapshot(store, sweep: "tiny").status.values.allSatisfy { $0 == "interrupted" })
        try Self.run(spec, store: store, workers: 1)
        #expect(try Self.snapshot(store, sweep: "tiny") == finished)
    }

    @Test("planning is idempotent; a changed file under the same name is refused")
    func planning() throws {
        let store = try ResultsStore(path: try Self.temporaryDatabase().path)
        let spec = try SpecParser.parse(Self.tinyYAML, file: "tiny.yaml")
        try store.register(spec, text: Self.tinyYAML)
        try store.register(spec, text: Self.tinyYAML)
        #expect(try store.jobSummaries(JobFilter(sweep: "tiny")).count == 6)
        var changed = spec
        changed.config.train.iterations = 31
        #expect(throws: StoreError.specChanged("tiny")) { try store.register(changed, text: "") }
    }

    @Test("a diverging job fails alone with its iteration; the others finish")
    func failureIsolated() throws {
        // With this learning rate the loss of w = 1.0 becomes NaN while w = 0.0 trains (deterministic).
        let spec = try SpecParser.parse("""
            name: diverge
            aux_weights: [0.0, 1.0]
            seeds: [0]
            data: {train_images: 640, val_images: 16, size: 32}
            model: {blocks: [1, 1, 1, 1]}
            train: {iterations: 30, batch: 4, eval_every: 30, base_lr: \(Self.divergingRate)}
            """, file: "diverge.yaml")
        let store = try ResultsStore(path: try Self.temporaryDatabase().path)
        try Self.run(spec, store: store, workers: 2)
        let jobs = try store.jobSummaries(JobFilter(sweep: "diverge"))
        let failed = jobs.filter { $0.job.status == .failed }, done = jobs.filter { $0.job.status == .done }
        #expect(failed.count == 1 && done.count == 1, "\(jobs.map { ($0.job.auxWeight, $0.job.status) })")
        #expect(failed.first?.job.error?.contains("at iteration") == true)
        #expect(failed.first.map { $0.steps < 30 } == true)
    }

    /// Found by scanning; the result is deterministic for a given build, but any change in the order
    /// of float operations moves it (rescanned for the kernels of issue 5: at 120 and 180 only w = 1.0
    /// diverges, at 140, 160 and 220 both do, at 200 and 250 only w = 0.0).
    static let divergingRate = "120"
}

/// A thread-safe counter for progress callbacks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
