import Foundation
import GRDB
import Segmentation
@testable import Sweep
import Testing

/// The implementations of `ResultsStore` the conformance suite runs against.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    /// A fresh database on the test run's PostgreSQL server (`TestPostgres`).
    case postgres

    var testDescription: String { rawValue }

    /// A new, empty store of this kind.
    func makeStore() throws -> any ResultsStore { try makeAddressedStore().store }

    /// A new, empty store of this kind and its address (to open it again).
    func makeAddressedStore() throws -> (store: any ResultsStore, address: StoreAddress) {
        let address = switch self {
        case .sqlite: StoreAddress.sqlite(path: try SweepRunnerTests.temporaryDatabase().path)
        case .postgres: try StoreAddress(try TestPostgres.freshDatabaseURL())
        }
        return (try address.open(create: true), address)
    }

    /// Runs `sql` on the store at `address` behind its back (as a person editing the database would).
    static func execute(_ sql: String, on address: StoreAddress) throws {
        switch address {
        case .sqlite(let path):
            try DatabaseQueue(path: path).write { db in try db.execute(sql: sql) }
        case .postgres(let server):
            try TestPostgres.execute(sql, on: server)
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
        EvaluationRecord(iteration: i, miou: miou, pixelAccuracy: 0.5 + miou / 2, classIoU: [0.25, nil, 0.75])
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
        let claimed = ConcurrentLog<JobRecord>()
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            let worker = JobWorker(name: "worker-\(index)")
            do {
                while let job = try store.claim(sweep: "conform", worker: worker) { claimed.add(job) }
            } catch {
                claimed.fail(error)
            }
        }
        #expect(claimed.errors.isEmpty, "\(claimed.errors)")
        let ids = claimed.values.compactMap(\.id)
        #expect(ids.count == 9 && Set(ids).count == 9)
        #expect(claimed.values.allSatisfy { $0.status == .running && $0.attempt == 1 && $0.heartbeat != nil && $0.started != nil })
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
        let (first, third) = (try #require(claimed[0].id), try #require(claimed[2].id))
        try store.record(claimed[0].claim, steps: [], evaluations: [], status: .interrupted)
        try store.record(claimed[1].claim, steps: [], evaluations: [], status: .done)
        try store.record(claimed[2].claim, steps: [], evaluations: [], status: .failed, error: "loss is NaN at iteration 3")
        let again = try #require(try store.claim(sweep: "conform", worker: worker))
        #expect(again.id == first && again.attempt == 2 && again.status == .running && again.error == nil)
        #expect(try store.claim(sweep: "conform", worker: worker) == nil)
        let failed = try store.jobSummaries(JobFilter(sweep: "conform", status: .failed))
        #expect(failed.map(\.job.id) == [third] && failed.first?.job.error == "loss is NaN at iteration 3")
        #expect(failed.first?.job.finished != nil)
    }

    /// A worker on another machine (so no store can judge it by its process, only by its heartbeat).
    static func remoteWorker(_ name: String, grace: TimeInterval) -> JobWorker {
        JobWorker(name: name, host: "elsewhere/00000000", pid: 1, grace: grace)
    }

    @Test("a job whose heartbeat is older than its claimer's grace is claimed again; the old claim then writes nothing",
          arguments: StoreBackend.allCases)
    func fencing(_ backend: StoreBackend) throws {
        let (store, _) = try Self.registered(backend)
        let slow = try #require(try store.claim(sweep: "conform", worker: Self.remoteWorker("slow", grace: 0.5)))
        #expect(slow.grace == 0.5 && slow.attempt == 1)
        try store.record(slow.claim, steps: [Self.step(0)], evaluations: [])
        // The claimer stops beating (a paused machine): after its grace the job is anyone's.
        Thread.sleep(forTimeInterval: 1.5)
        let taker = Self.remoteWorker("taker", grace: 60)
        let taken = try #require(try store.claim(sweep: "conform", worker: taker))
        #expect(taken.id == slow.id && taken.attempt == 2 && taken.worker == "taker" && taken.grace == 60)
        try store.rewind(taken.claim, to: 0)
        try store.record(taken.claim, steps: [Self.step(0), Self.step(1)], evaluations: [])

        // The old claim is refused everywhere, and its refused writes leave no trace.
        #expect(throws: StoreError.claimLost(slow.claim)) {
            try store.record(slow.claim, steps: [Self.step(5)], evaluations: [Self.evaluation(5, miou: 0.9)], status: .done)
        }
        #expect(throws: StoreError.claimLost(slow.claim)) { try store.heartbeat(slow.claim) }
        #expect(throws: StoreError.claimLost(slow.claim)) { try store.rewind(slow.claim, to: 0) }
        let id = try #require(slow.id)
        #expect(try store.steps(job: id).map(\.iteration) == [0, 1])
        #expect(try store.evaluations(job: id).isEmpty)
        let row = try #require(try store.jobSummaries(JobFilter(sweep: "conform")).first { $0.job.id == id })
        #expect(row.job.status == .running && row.job.attempt == 2 && row.job.worker == "taker")

        // An ended job takes no more writes, even from the claim that ended it.
        try store.record(taken.claim, steps: [], evaluations: [Self.evaluation(2, miou: 0.5)], status: .done)
        #expect(throws: StoreError.claimLost(taken.claim)) { try store.heartbeat(taken.claim) }
        #expect(throws: StoreError.claimLost(taken.claim)) { try store.record(taken.claim, steps: [Self.step(9)], evaluations: []) }
        #expect(try store.steps(job: id).count == 2)
    }

    /// A store holding sweep "one": one job (w = 0.5, seed 0).
    static func oneJob(_ backend: StoreBackend) throws -> any ResultsStore {
        let store = try backend.makeStore()
        let text = "name: one\naux_weights: [0.5]\nseeds: 1\n"
        try store.register(try SpecParser.parse(text, file: "one.yaml"), text: text)
        return store
    }

    /// A crashed process's job under the pid this process has now (a restarted container's pid 1):
    /// its heartbeat decides, not the pid that looks alive.
    @Test("a job left by an earlier process with this process's pid is claimed again once its heartbeat is stale",
          arguments: StoreBackend.allCases)
    func ownPidStale(_ backend: StoreBackend) throws {
        let store = try Self.oneJob(backend)
        let crashed = try #require(try store.claim(sweep: "one", worker: JobWorker(name: "crashed", grace: 0.5)))
        #expect(crashed.host == JobWorker.thisMachine && crashed.pid == Int64(getpid()))
        Thread.sleep(forTimeInterval: 1.5)
        let again = try #require(try store.claim(sweep: "one", worker: JobWorker(name: "restarted", grace: 60)))
        #expect(again.id == crashed.id && again.attempt == 2 && again.worker == "restarted")
    }

    @Test("a job whose claimer beats within its grace is never taken, whatever grace the other worker has",
          arguments: StoreBackend.allCases)
    func liveJobKept(_ backend: StoreBackend) throws {
        let store = try Self.oneJob(backend)
        // Grace an hour, beats every 0.2 s: inside it however loaded the machine is.
        let owner = try #require(try store.claim(sweep: "one", worker: Self.remoteWorker("owner", grace: 3600)))
        for _ in 0..<5 {
            // The last beat is at least 0.2 s old, beyond the claimer's own grace of 0.1 s: the
            // claimer judges the job by its owner's grace.
            Thread.sleep(forTimeInterval: 0.2)
            #expect(try store.claim(sweep: "one", worker: Self.remoteWorker("eager", grace: 0.1)) == nil)
            try store.heartbeat(owner.claim)
        }
        let row = try #require(try store.jobSummaries(JobFilter(sweep: "one")).first)
        #expect(row.job.attempt == 1 && row.job.worker == "owner")
    }

    @Test("recorded rows come back as written, a replayed row replaces its first write, and rewind removes what follows",
          arguments: StoreBackend.allCases)
    func rows(_ backend: StoreBackend) throws {
        let (store, _) = try Self.registered(backend)
        let job = try #require(try store.claim(sweep: "conform", worker: JobWorker(name: "w")))
        let id = try #require(job.id)
        try store.record(job.claim, steps: (0..<6).map(Self.step), evaluations: [Self.evaluation(3, miou: 0.25)], checkpointIteration: 3)
        try store.record(job.claim, steps: [Self.step(5)], evaluations: [Self.evaluation(6, miou: 0.5)])
        let steps = try store.steps(job: id)
        #expect(steps.map(\.iteration) == [0, 1, 2, 3, 4, 5])
        #expect(steps[4] == Self.step(4), "a step comes back exactly as written")
        #expect(steps[4].mainLoss == 1.5 && steps[4].auxLoss == 2.5 && steps[4].totalLoss == 3)
        let evals = try store.evaluations(job: id)
        #expect(evals.map(\.iteration) == [3, 6] && evals.map(\.miou) == [0.25, 0.5])
        #expect(evals[0].classIoU == [0.25, nil, 0.75] && evals[0].pixelAccuracy == 0.625)
        #expect(try store.stepCount(job: id, before: 3) == 3)
        let summary = try #require(try store.jobSummaries(JobFilter(sweep: "conform")).first { $0.job.id == id })
        #expect(summary.steps == 6 && summary.iteration == 6 && summary.miou == 0.5 && summary.pixelAccuracy == 0.75)
        #expect(summary.job.checkpointIteration == 3)

        try store.rewind(job.claim, to: 3)
        #expect(try store.steps(job: id).map(\.iteration) == [0, 1, 2])
        #expect(try store.evaluations(job: id).map(\.iteration) == [3])
        let rewound = try #require(try store.jobSummaries(JobFilter(sweep: "conform")).first { $0.job.id == id })
        #expect(rewound.job.checkpointIteration == 3 && rewound.steps == 3)
    }

    @Test("an evaluation whose per-class IoU was edited into something else is a one-line error naming the row",
          arguments: StoreBackend.allCases)
    func corruptEvaluation(_ backend: StoreBackend) throws {
        let (store, address) = try backend.makeAddressedStore()
        try store.register(try SpecParser.parse(Self.spec, file: "conform.yaml"), text: Self.spec)
        let job = try #require(try store.claim(sweep: "conform", worker: JobWorker(name: "w")))
        let id = try #require(job.id)
        try store.record(job.claim, steps: [], evaluations: [Self.evaluation(3, miou: 0.25)])
        try StoreBackend.execute("UPDATE evals SET class_iou = 'oops' WHERE job = \(id)", on: address)
        let expected = StoreError.corruptEvaluation(location: store.location, job: id, iteration: 3, text: "oops")
        #expect(throws: expected) { try store.evaluations(job: id) }
        #expect(throws: expected) { try store.ablationReport(sweep: "conform") }
        #expect(expected.description == "\(store.location): evals: job \(id), iteration 3: class_iou is not a JSON array of numbers (oops)")
    }

    @Test("report data: every job of the sweep by weight and seed, each with its evaluations in order",
          arguments: StoreBackend.allCases)
    func reportData(_ backend: StoreBackend) throws {
        let (store, _) = try Self.registered(backend)
        let worker = JobWorker(name: "w")
        while let job = try store.claim(sweep: "conform", worker: worker) {
            let final = 0.5 + job.auxWeight / 10 + Double(job.seed) / 100
            try store.record(job.claim, steps: [Self.step(0)], evaluations: [Self.evaluation(1, miou: final - 0.1), Self.evaluation(2, miou: final)],
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

    /// An archive without what differs between stores by design: ids and times (SQLite keeps
    /// milliseconds, PostgreSQL microseconds).
    static func comparable(_ archive: SweepArchive) -> SweepArchive {
        var a = archive
        a.sweep.created = Date(timeIntervalSince1970: 0)
        for i in a.jobs.indices {
            a.jobs[i].job.id = nil
            (a.jobs[i].job.heartbeat, a.jobs[i].job.started, a.jobs[i].job.finished) = (nil, nil, nil)
        }
        return a
    }

    @Test("a sweep copied to another store has the same jobs, rows and report (running jobs arrive interrupted); a second copy is refused",
          arguments: StoreBackend.allCases, StoreBackend.allCases)
    func copy(_ from: StoreBackend, _ to: StoreBackend) throws {
        let (source, _) = try Self.registered(from)
        let worker = JobWorker(name: "w")
        // Every job claimed first (an interrupted one would be claimed again), then each ended its way.
        let claimed = try (1...9).map { _ in try #require(try source.claim(sweep: "conform", worker: worker)) }
        for (index, job) in zip(1..., claimed) {
            let final = 0.5 + job.auxWeight / 10 + Double(job.seed) / 100
            let status: JobStatus? = index == 2 ? nil : index == 3 ? .failed : index == 4 ? .interrupted : .done
            try source.record(job.claim, steps: (0..<3).map(Self.step), evaluations: [Self.evaluation(3, miou: final)],
                              status: status, error: status == .failed ? "loss is NaN at iteration 3" : nil, checkpointIteration: 3)
        }
        let archive = try source.archive(sweep: "conform")
        #expect(archive.jobs.count == 9 && archive.stepCount == 27 && archive.evaluationCount == 9)
        let target = try to.makeStore()
        try target.restore(archive)
        let copied = try target.archive(sweep: "conform")
        #expect(Self.comparable(copied) == Self.comparable(archive.forRestore))
        #expect(copied.jobs.filter { $0.job.status == .running }.isEmpty && copied.jobs.filter { $0.job.status == .interrupted }.count == 2)
        #expect(copied.jobs.filter { $0.job.status != .done }.allSatisfy { $0.job.checkpointIteration == 0 })
        #expect(abs(copied.sweep.created.timeIntervalSince(archive.sweep.created)) < 0.002)
        #expect(try target.ablationReport(sweep: "conform").rendered(.table) == source.ablationReport(sweep: "conform").rendered(.table))
        #expect(throws: StoreError.sweepExists(name: "conform", location: target.location)) { try target.restore(archive) }
        #expect(try target.archive(sweep: "conform") == copied)
    }
}

/// What several threads got (claimed jobs, round outcomes), and any errors, behind a lock.
final class ConcurrentLog<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var added: [Value] = []
    private var thrown: [String] = []

    func add(_ value: Value) { lock.withLock { added.append(value) } }
    func fail(_ error: any Error) { lock.withLock { thrown.append("\(error)") } }
    var values: [Value] { lock.withLock { added } }
    var errors: [String] { lock.withLock { thrown } }
}
