import Foundation
import Segmentation
@testable import Dashboard
@testable import Sweep
import Testing

/// `SweepMonitor` on a real SQLite store written while it watches: however many pages, streams and API
/// calls ask, the store is read once per refresh; versions move only when cells change, and
/// `changes(since:)` hands out exactly the cells changed after a version.
@Suite("Dashboard monitor")
struct SweepMonitorTests {
    static let spec = """
        name: watched
        aux_weights: [0.0, 1.0]
        seeds: 2
        train: {iterations: 10}
        """

    static func store() throws -> SQLiteStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("auxsweep-monitor-\(UUID().uuidString)/r.sqlite").path
        let store = try SQLiteStore(path: path)
        try store.register(try SpecParser.parse(spec, file: "watched.yaml"), text: spec)
        return store
    }

    static func step(_ i: Int) -> StepRecord { StepRecord(iteration: i, lr: 0.01, mainLoss: 1, auxLoss: 1, totalLoss: 2) }

    @Test("200 concurrent askers of one sweep cause one read of the store")
    func sharedReads() async throws {
        let store = try Self.store()
        let reader = StoreReader(store: store)
        // Ages far beyond the test's run so that a slow machine cannot let the cache expire mid-test.
        let monitor = SweepMonitor(reader: reader, maxAge: 3600, curvesMaxAge: 3600, firstVersion: 0)
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<200 {
                group.addTask { i.isMultiple(of: 2) ? try await monitor.state("watched").version : try await monitor.changes("watched", since: -1).version }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions.count == 200 && Set(versions) == [1])
        #expect(reader.reads == 1)
        _ = try await monitor.report("watched")
        _ = try await monitor.report("watched")
        #expect(reader.reads == 2, "the report is read once per report version")
    }

    @Test("200 concurrent askers of the list of sweeps, or of the training curves, cause one read each")
    func sharedListAndCurves() async throws {
        let store = try Self.store()
        let reader = StoreReader(store: store)
        let monitor = SweepMonitor(reader: reader, maxAge: 3600, curvesMaxAge: 3600, firstVersion: 0)
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 { group.addTask { try await monitor.index().version } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions.count == 200 && Set(versions) == [1])
        #expect(reader.reads == 1)
        _ = try await monitor.state("watched")
        #expect(reader.reads == 2)
        let drawings = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<200 { group.addTask { try await monitor.curves("watched") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(drawings.count == 200 && Set(drawings).count == 1)
        #expect(reader.reads == 3, "one drawing of the curves for all")
    }

    @Test("versions move with the cells; changes(since:) gives the cells changed after a version")
    func versionsAndChanges() async throws {
        let store = try Self.store()
        let monitor = SweepMonitor(reader: StoreReader(store: store), maxAge: 0, firstVersion: 0)
        let first = try await monitor.state("watched")
        #expect(first.version == 1 && first.cells.map(\.key) == ["0.0/0", "0.0/1", "1.0/0", "1.0/1"])
        #expect(try await monitor.changes("watched", since: 1).cells.isEmpty)
        #expect(try await monitor.state("watched").version == 1, "nothing changed, the version stays")

        let job = try #require(try store.claim(sweep: "watched", worker: JobWorker(name: "w")))
        try store.record(job.claim, steps: (0..<4).map(Self.step), evaluations: [])
        let running = try await monitor.changes("watched", since: 1)
        #expect(running.version == 2 && running.cells.map(\.key) == ["0.0/0"] && running.cells.first?.steps == 4)
        #expect(running.cells.first?.label == "4/10" && running.counts.running == 1 && running.counts.pending == 3)
        #expect(running.reportVersion == 2, "a status change moves the report version")

        try store.record(job.claim, steps: (4..<6).map(Self.step), evaluations: [])
        let stepped = try await monitor.changes("watched", since: 2)
        #expect(stepped.version == 3 && stepped.reportVersion == 2, "steps alone leave the report version")
        try store.record(job.claim, steps: (6..<10).map(Self.step),
                         evaluations: [EvaluationRecord(iteration: 10, miou: 0.25, pixelAccuracy: 0.5, classIoU: [0.25])], status: .done)
        let done = try await monitor.changes("watched", since: 3)
        #expect(done.cells.map(\.status) == [.done] && done.cells.first?.label == "0.2500" && done.reportVersion == 3)
        #expect(try await monitor.changes("watched", since: 1).cells.map(\.key) == ["0.0/0"])
        let unknown = try await monitor.changes("watched", since: 99)
        #expect(unknown.complete && unknown.cells.count == 4, "a version this server never gave: every cell")
        await #expect(throws: DashboardError.self) { try await monitor.state("nothing") }
    }

    @Test("a restarted server hands out versions above the earlier one's: a page from before gets every cell and a new list")
    func restartedServer() async throws {
        let store = try Self.store()
        let earlier = SweepMonitor(reader: StoreReader(store: store), maxAge: 0, firstVersion: 1_000)
        let page = try await earlier.state("watched").version, indexPage = try await earlier.index().version
        let job = try #require(try store.claim(sweep: "watched", worker: JobWorker(name: "w")))
        try store.record(job.claim, steps: (0..<4).map(Self.step), evaluations: [])
        // The page stays open while the server restarts; its stream reconnects with the version it had.
        let later = SweepMonitor(reader: StoreReader(store: store), maxAge: 0, firstVersion: 2_000)
        let changes = try await later.changes("watched", since: page)
        #expect(changes.complete && changes.cells.count == 4 && changes.cells.first?.steps == 4)
        #expect(try await later.index().version != indexPage, "the first page fetches the list again")
        // Left to itself, a server starts from the clock: later than any server started before it.
        let before = SweepMonitor.clockVersion()
        #expect(await SweepMonitor(reader: StoreReader(store: store)).firstVersion >= before)
    }

    @Test("the list of sweeps has a version that moves only when a sweep's line changes")
    func indexVersion() async throws {
        let store = try Self.store()
        let monitor = SweepMonitor(reader: StoreReader(store: store), maxAge: 0, firstVersion: 0)
        let first = try await monitor.index()
        #expect(first.version == 1 && first.sweeps.map(\.name) == ["watched"] && first.sweeps.first?.counts.pending == 4)
        #expect(try await monitor.index().version == 1, "nothing changed, the version stays")
        let job = try #require(try store.claim(sweep: "watched", worker: JobWorker(name: "w")))
        try store.record(job.claim, steps: (0..<4).map(Self.step), evaluations: [])
        let running = try await monitor.index()
        #expect(running.version == 2 && running.sweeps.first?.counts.running == 1)
        #expect(try await monitor.sweeps() == running.sweeps)
    }

    @Test("ETA: from the measured step rate, else from finished jobs' durations")
    func estimate() {
        func summary(_ status: JobStatus, steps: Int, seconds: Double? = nil) -> JobSummary {
            let start = Date(timeIntervalSince1970: 1000)
            return JobSummary(job: JobRecord(sweep: "s", auxWeight: 0, seed: 0, status: status, attempt: 1, started: start,
                                             finished: seconds.map { start.addingTimeInterval($0) }, checkpointIteration: 0),
                              iteration: nil, miou: nil, pixelAccuracy: nil, steps: steps)
        }
        let jobs = [summary(.done, steps: 100, seconds: 10), summary(.running, steps: 40), summary(.pending, steps: 0)]
        let fallback = ProgressEstimate(jobs: jobs, iterations: 100, window: StepRateWindow())
        #expect(fallback.remainingIterations == 160 && fallback.stepsPerSecond == 10 && fallback.etaSeconds == 16)
        #expect(fallback.basis == "from finished jobs' durations")
        var window = StepRateWindow()
        let t0 = Date(timeIntervalSince1970: 0)
        window.add(steps: 100, at: t0)
        window.add(steps: 200, at: t0.addingTimeInterval(10))
        let measured = ProgressEstimate(jobs: jobs, iterations: 100, window: window)
        #expect(measured.stepsPerSecond == 10 && measured.basis == "measured over the last 10 s" && measured.etaSeconds == 16)
        window.add(steps: 50, at: t0.addingTimeInterval(11))
        #expect(window.rate == nil, "a job set back to a checkpoint starts the measurement again")
        #expect(ProgressEstimate(jobs: [summary(.pending, steps: 0)], iterations: 100, window: StepRateWindow()).text
            == "100 iterations left; ETA once steps are measured")
        let unread = ProgressEstimate(jobs: jobs, iterations: nil, window: window)
        #expect(unread.remainingIterations == nil && unread.etaSeconds == nil)
        #expect(unread.text == "ETA unknown: the sweep's file does not read here (its data folder elsewhere?)")
    }
}
