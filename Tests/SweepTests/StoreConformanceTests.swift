import Foundation
import Segmentation
import Sweep
import Testing

/// The implementations of `ResultsStore` the conformance suite runs against.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    /// A fresh database on the test run's PostgreSQL server (`TestPostgres`).
    case postgres

    var testDescription: String { rawValue }

    /// A new, empty store of this kind.
    func makeStore() throws -> any ResultsStore {
        switch self {
        case .sqlite: try SQLiteStore(path: try SweepRunnerTests.temporaryDatabase().path)
        case .postgres: try PostgresStore(url: try TestPostgres.freshDatabaseURL())
        }
    }
}

/// What every `ResultsStore` must do, run against each implementation: the runner, reports, `status`
/// and `query` rely on exactly this.
@Suite("Results store conformance")
struct StoreConformanceTests {
    static let spec = """
        name: conform
        aux_weights: [0.0, 0.5, 1.0]
        seeds: 3
        """

    static func registered(_ backend: StoreBackend) throws -> (any ResultsStore, SweepSpec) {
        let store = try backend.makeStore()
        let spec = try SpecParser.parse(Self.spec, file: "conform.yaml")
        try store.register(spec, text: Self.spec)
        return (store, spec)
    }

    static func step(_ i: Int) -> StepRecord {
        StepRecord(iteration: i, lr: 0.01, mainLoss: 2 - Float(i) / 8, auxLoss: 3 - Float(i) / 8, totalLoss: 4 - Float(i) / 4)
    }

    static func evaluation(_ i: Int, miou: Double) -> EvaluationRecord {
        EvaluationRecord(iteration: i, meanIoU: miou, pixelAccuracy: 0.5 + miou / 2, classIoU: [0.25, nil, 0.75])
    }

    @Test("registering is idempotent; a changed spec under the same name is refused and changes nothing",
          arguments: StoreBackend.allCases)
    func register(_ backend: StoreBackend) throws {
        let (store, spec) = try Self.registered(backend)
        try store.register(spec, text: Self.spec)
        #expect(try store.sweeps().map(\.name) == ["conform"])
        #expect(try store.sweeps().first?.spec == Self.spec)
        let jobs = try store.jobSummaries(JobFilter(sweep: "conform"))
        #expect(jobs.map { "\($0.job.auxWeight)/\($0.job.seed)" }
            == ["0.0/0", "0.0/1", "0.0/2", "0.5/0", "0.5/1", "0.5/2", "1.0/0", "1.0/1", "1.0/2"])
        #expect(jobs.allSatisfy { $0.job.status == .pending && $0.job.attempt == 0 && $0.steps == 0 && $0.miou == nil })
        let changed = try SpecParser.parse(Self.spec.replacingOccurrences(of: "seeds: 3", with: "seeds: 4"), file: "conform.yaml")
        #expect(throws: StoreError.specChanged("conform")) { try store.register(changed, text: "") }
        #expect(try store.jobSummaries(JobFilter(sweep: "conform")).count == 9)
    }

    @Test("claims from four threads at once hand every job to exactly one worker, then none",
          arguments: StoreBackend.allCases)
    func concurrentClaims(_ backend: StoreBackend) throws {
        let (store, _) = try Self.registered(backend)
        let claimed = ClaimLog()
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            let worker = JobWorker(name: "worker-\(index)")
            do {
                while let job = try store.claim(sweep: "conform", worker: worker) { claimed.add(job) }
            } catch {
                claimed.fail(error)
            }
        }
        #expect(claimed.errors.isEmpty, "\(claimed.errors)")
        let ids = claimed.jobs.compactMap(\.id)
        #expect(ids.count == 9 && Set(ids).count == 9)
        #expect(claimed.jobs.allSatisfy { $0.status == .running && $0.attempt == 1 && $0.heartbeat != nil && $0.started != nil })
        #expect(try store.claim(sweep: "conform", worker: JobWorker(name: "late")) == nil)
        #expect(try store.jobSummaries(JobFilter(sweep: "conform", status: .running)).count == 9)
    }

    @Test("an interrupted job is claimed again with the next attempt; done and failed ones are not",
          arguments: StoreBackend.allCases)
    func reclaim(_ backend: StoreBackend) throws {
        let (store, _) = try Self.registered(backend)
        let worker = JobWorker(name: "w")
        var claimed: [JobRecord] = []
        while let job = try store.claim(sweep: "conform", worker: worker) { claimed.append(job) }
        let (first, second, third) = (try #require(claimed[0].id), try #require(claimed[1].id), try #require(claimed[2].id))
        try store.record(job: first, steps: [], evaluations: [], status: .interrupted)
        try store.record(job: second, steps: [], evaluations: [], status: .done)
        try store.record(job: third, steps: [], evaluations: [], status: .failed, error: "loss is NaN at iteration 3")
        let again = try #require(try store.claim(sweep: "conform", worker: worker))
        #expect(again.id == first && again.attempt == 2 && again.status == .running && again.error == nil)
        #expect(try store.claim(sweep: "conform", worker: worker) == nil)
        let failed = try store.jobSummaries(JobFilter(sweep: "conform", status: .failed))
        #expect(failed.map(\.job.id) == [third] && failed.first?.job.error == "loss is NaN at iteration 3")
        #expect(failed.first?.job.finished != nil)
    }

    @Test("recorded rows come back as written, a replayed row replaces its first write, and rewind removes what follows",
          arguments: StoreBackend.allCases)
    func rows(_ backend: StoreBackend) throws {
        let (store, _) = try Self.registered(backend)
        let job = try #require(try store.claim(sweep: "conform", worker: JobWorker(name: "w")))
        let id = try #require(job.id)
        try store.record(job: id, steps: (0..<6).map(Self.step), evaluations: [Self.evaluation(3, miou: 0.25)], checkpointIteration: 3)
        try store.record(job: id, steps: [Self.step(5)], evaluations: [Self.evaluation(6, miou: 0.5)])
        let steps = try store.steps(job: id)
        #expect(steps.map(\.iteration) == [0, 1, 2, 3, 4, 5])
        #expect(steps[4].job == id && steps[4].lr == Double(Float(0.01)))
        #expect(steps[4].mainLoss == 1.5 && steps[4].auxLoss == 2.5 && steps[4].totalLoss == 3)
        let evals = try store.evaluations(job: id)
        #expect(evals.map(\.iteration) == [3, 6] && evals.map(\.miou) == [0.25, 0.5])
        #expect(evals[0].classIoU == "[0.250000,null,0.750000]")
        #expect(try store.stepCount(job: id, before: 3) == 3)
        let summary = try #require(try store.jobSummaries(JobFilter(sweep: "conform")).first { $0.job.id == id })
        #expect(summary.steps == 6 && summary.iteration == 6 && summary.miou == 0.5 && summary.pixelAccuracy == 0.75)
        #expect(summary.job.checkpointIteration == 3)

        try store.rewind(job: id, to: 3)
        #expect(try store.steps(job: id).map(\.iteration) == [0, 1, 2])
        #expect(try store.evaluations(job: id).map(\.iteration) == [3])
        let rewound = try #require(try store.jobSummaries(JobFilter(sweep: "conform")).first { $0.job.id == id })
        #expect(rewound.job.checkpointIteration == 3 && rewound.steps == 3)
    }

    @Test("report data: every job of the sweep by weight and seed, each with its evaluations in order",
          arguments: StoreBackend.allCases)
    func reportData(_ backend: StoreBackend) throws {
        let (store, _) = try Self.registered(backend)
        let worker = JobWorker(name: "w")
        while let job = try store.claim(sweep: "conform", worker: worker) {
            let id = try #require(job.id)
            let final = 0.5 + job.auxWeight / 10 + Double(job.seed) / 100
            try store.record(job: id, steps: [Self.step(0)], evaluations: [Self.evaluation(1, miou: final - 0.1), Self.evaluation(2, miou: final)],
                             status: .done)
        }
        let data = try store.reportData(sweep: "conform")
        #expect(data.jobs.map { "\($0.auxWeight)/\($0.seed)" }
            == ["0.0/0", "0.0/1", "0.0/2", "0.5/0", "0.5/1", "0.5/2", "1.0/0", "1.0/1", "1.0/2"])
        for job in data.jobs {
            let evals = data.evaluations[try #require(job.id)] ?? []
            #expect(evals.map(\.iteration) == [1, 2])
            #expect(evals.last?.miou == 0.5 + job.auxWeight / 10 + Double(job.seed) / 100)
        }
        let report = try store.ablationReport(sweep: "conform")
        #expect(report.rendered(.markdown).contains("| 0.5 | 3 | 0.5600 | 0.0100 |"))
        #expect(report.rendered(.markdown).contains("| 1.0 * | 3 | 0.6100 | 0.0100 |"))
        #expect(throws: StoreError.unknownSweep("nothing")) { try store.ablationReport(sweep: "nothing") }
    }
}

/// Jobs claimed by several threads, and any errors, behind a lock.
final class ClaimLog: @unchecked Sendable {
    private let lock = NSLock()
    private var claimedJobs: [JobRecord] = []
    private var thrown: [String] = []

    func add(_ job: JobRecord) { lock.withLock { claimedJobs.append(job) } }
    func fail(_ error: any Error) { lock.withLock { thrown.append("\(error)") } }
    var jobs: [JobRecord] { lock.withLock { claimedJobs } }
    var errors: [String] { lock.withLock { thrown } }
}
