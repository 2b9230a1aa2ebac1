import Foundation
import Sweep

/// What the dashboard knows of the store, read at most once per `maxAge` whatever the visitors.
///
/// The list of sweeps and each sweep's cells, versions, progress and report are read at most once per
/// `maxAge` however many pages, API calls and event streams ask (concurrent askers share one read), so
/// visitors never multiply the load on the store a sweep is writing to.
public actor SweepMonitor {
    /// A watched sweep: what its last read found, and the versions handed to pages.
    struct Watch {
        var record: SweepRecord
        var iterations: Int?
        var cells: [JobCell] = []
        var cellVersions: [String: Int] = [:]
        var version = 0
        var reportSignature: [String] = []
        var reportVersion = 0
        var adaptive: AdaptiveState?
        var window = StepRateWindow()
        var progress = ProgressEstimate(remainingIterations: 0)
        var refreshed = Date.distantPast
        var report: ReportBundle?
        var curves: (version: Int, made: Date, svg: String)?
    }

    let reader: StoreReader
    /// How old a read may be before the next request reads again.
    let maxAge: TimeInterval
    /// While a sweep runs its curves are drawn again at most this often (they read every step row).
    let curvesMaxAge: TimeInterval
    private var watches: [String: Watch] = [:]
    private var sweepReads: [String: Task<Watch, any Error>] = [:]
    private var reportReads: [String: Task<ReportBundle, any Error>] = [:]
    private var index: SweepIndex?
    private var indexRead: Task<SweepIndex, any Error>?
    private var curvesReads: [String: Task<String, any Error>] = [:]
    /// The version before this monitor's first read: every version it hands out is larger.
    ///
    /// A server's monitor starts from the clock in milliseconds. A page still holding a version from an
    /// earlier run of the server (which reads at most once per `maxAge`, so cannot have counted a change
    /// per millisecond) then has one below it and is sent every cell, not the changes after a number
    /// this server may have handed out for another state of the sweep.
    let firstVersion: Int
    /// Set on shutdown: event streams end.
    public private(set) var isClosed = false

    init(reader: StoreReader, maxAge: TimeInterval = 1, curvesMaxAge: TimeInterval = 30, firstVersion: Int = SweepMonitor.clockVersion()) {
        self.reader = reader
        self.maxAge = maxAge
        self.curvesMaxAge = curvesMaxAge
        self.firstVersion = firstVersion
    }

    /// Milliseconds since 1970: the first version of a monitor made now.
    static func clockVersion() -> Int { Int(Date().timeIntervalSince1970 * 1000) }

    /// Ends every event stream (the server is shutting down).
    public func close() { isClosed = true }

    // MARK: Sweeps

    /// Every sweep with its counts, oldest first.
    func sweeps() async throws -> [SweepOverview] { try await index().sweeps }

    /// Every sweep with its counts, and the list's version (which moves whenever a sweep's line does).
    ///
    /// Read again when older than `maxAge`; concurrent callers share one read.
    func index() async throws -> SweepIndex {
        if let index, Date().timeIntervalSince(index.refreshed) < maxAge { return index }
        if let indexRead { return try await Self.mapped(indexRead) }
        let task = Task { try await refreshIndex() }
        indexRead = task
        defer { indexRead = nil }
        return try await Self.mapped(task)
    }

    private func refreshIndex() async throws -> SweepIndex {
        let sweeps = try await reader.read { store in try Self.readOverview(store) }
        let version = (index?.version ?? firstVersion) + (index?.sweeps == sweeps ? 0 : 1)
        let fresh = SweepIndex(version: version, sweeps: sweeps, refreshed: Date())
        index = fresh
        return fresh
    }

    private static func readOverview(_ store: any ResultsStore) throws -> [SweepOverview] {
        let jobs = Dictionary(grouping: try store.jobSummaries(), by: \.job.sweep)
        return try store.sweeps().map { sweep in
            let mine = jobs[sweep.name] ?? []
            let started = mine.compactMap(\.job.started).min()
            let last = mine.flatMap { [$0.job.heartbeat, $0.job.finished].compactMap { $0 } }.max()
            return SweepOverview(name: sweep.name, counts: StatusCounts(mine.map(\.job.status)), started: started, lastActivity: last,
                                 wallSeconds: started.flatMap { s in last.map { $0.timeIntervalSince(s) } },
                                 round: try store.adaptiveState(sweep: sweep.name)?.current?.summary)
        }
    }

    // MARK: One sweep

    /// The sweep's state now (read again when older than `maxAge`).
    func state(_ name: String) async throws -> SweepState {
        let w = try await watch(name)
        return SweepState(name: name, version: w.version, reportVersion: w.reportVersion, counts: StatusCounts(w.cells.map(\.status)),
                          progress: w.progress, cells: w.cells)
    }

    /// The cells changed after `version` (every cell when this server never handed out `version`).
    func changes(_ name: String, since version: Int) async throws -> SweepChanges {
        let w = try await watch(name)
        let complete = version < firstVersion || version > w.version
        let cells = complete ? w.cells : w.cells.filter { (w.cellVersions[$0.key] ?? 0) > version }
        return SweepChanges(version: w.version, reportVersion: w.reportVersion, counts: StatusCounts(w.cells.map(\.status)),
                            progress: w.progress, cells: cells, complete: complete)
    }

    /// The sweep's record (name, spec text) and adaptive state as last read.
    func details(_ name: String) async throws -> (record: SweepRecord, adaptive: AdaptiveState?) {
        let w = try await watch(name)
        return (w.record, w.adaptive)
    }

    /// The report at the current report version, made once per version.
    func report(_ name: String) async throws -> ReportBundle {
        let w = try await watch(name)
        if let report = w.report, report.version == w.reportVersion { return report }
        if let read = reportReads[name] { return try await Self.mapped(read) }
        let version = w.reportVersion
        let task = Task { try await reader.read { store in ReportBundle(version: version, report: try store.ablationReport(sweep: name)) } }
        reportReads[name] = task
        defer { reportReads[name] = nil }
        let bundle = try await Self.mapped(task)
        if watches[name]?.reportVersion == version { watches[name]?.report = bundle }
        return bundle
    }

    /// The training curves of every job, drawn again at most every `curvesMaxAge` while the sweep runs.
    ///
    /// A drawing is kept while the report version stays, and while jobs still run for `curvesMaxAge`
    /// after it moved (it reads every step row); once none runs, the next request draws the final
    /// curves. Concurrent callers share one drawing.
    func curves(_ name: String) async throws -> String {
        let w = try await watch(name)
        let running = w.cells.contains { !$0.status.hasEnded }
        if let curves = w.curves,
           curves.version == w.reportVersion || (running && Date().timeIntervalSince(curves.made) < curvesMaxAge) {
            return curves.svg
        }
        if let read = curvesReads[name] { return try await Self.mapped(read) }
        let task = Task { try await reader.read { store in try store.trainingCurves(sweep: name).svg() } }
        curvesReads[name] = task
        defer { curvesReads[name] = nil }
        let svg = try await Self.mapped(task)
        watches[name]?.curves = (w.reportVersion, Date(), svg)
        return svg
    }

    /// One job's record, steps and evaluations.
    func job(_ name: String, key: String) async throws -> JobDetail {
        let w = try await watch(name)
        guard let cell = w.cells.first(where: { $0.key == key }) else { throw DashboardError.unknownJob(sweep: name, key: key) }
        return try await Self.mapped(Task {
            try await reader.read { store in
                guard let summary = try store.jobSummaries(JobFilter(sweep: name, auxWeight: cell.auxWeight, seed: cell.seed)).first,
                      let id = summary.job.id else { throw DashboardError.unknownJob(sweep: name, key: key) }
                return JobDetail(sweep: name, cell: JobCell(summary, iterations: w.iterations), job: summary.job,
                                 steps: try store.steps(job: id), evaluations: try store.evaluations(job: id))
            }
        })
    }

    /// The sweep's watch, read again when older than `maxAge`; concurrent callers share one read.
    private func watch(_ name: String) async throws -> Watch {
        if let w = watches[name], Date().timeIntervalSince(w.refreshed) < maxAge { return w }
        if let read = sweepReads[name] { return try await Self.mapped(read) }
        let task = Task { try await refresh(name) }
        sweepReads[name] = task
        defer { sweepReads[name] = nil }
        return try await Self.mapped(task)
    }

    private func refresh(_ name: String) async throws -> Watch {
        let (record, summaries, adaptive) = try await reader.read { store in
            guard let record = try store.sweep(named: name) else { throw DashboardError.unknownSweep(name) }
            return (record, try store.jobSummaries(JobFilter(sweep: name)), try store.adaptiveState(sweep: name))
        }
        var w = watches[name] ?? Watch(record: record, iterations: Self.iterations(record), version: firstVersion, reportVersion: firstVersion)
        let now = Date()
        let cells = summaries.map { JobCell($0, iterations: w.iterations) }
        let before = Dictionary(w.cells.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let changed = cells.filter { before[$0.key] != $0 }
        if !changed.isEmpty {
            w.version += 1
            for cell in changed { w.cellVersions[cell.key] = w.version }
        }
        w.cells = cells
        let signature = cells.map { "\($0.key) \($0.status.rawValue) \($0.evaluatedAt ?? -1)" }
            + (adaptive?.rounds.map { "round \($0.round) \($0.decision == nil ? "open" : "decided")" } ?? [])
        if signature != w.reportSignature {
            w.reportSignature = signature
            w.reportVersion += 1
        }
        w.adaptive = adaptive
        w.window.add(steps: summaries.reduce(0) { $0 + $1.steps }, at: now)
        w.progress = ProgressEstimate(jobs: summaries, iterations: w.iterations, window: w.window)
        w.refreshed = now
        watches[name] = w
        return w
    }

    /// The schedule's length from the sweep's stored spec (nil when it no longer parses here).
    private static func iterations(_ record: SweepRecord) -> Int? {
        (try? SpecParser.parse(record.spec, file: record.name, baseDirectory: URL(fileURLWithPath: "/"),
                                fingerprintingData: false))?.config.train.iterations
    }

    /// A read's value, its errors as the dashboard names them: its own and the store's "no such sweep"
    /// as they are, anything else as the store being unavailable.
    private static func mapped<T>(_ task: Task<T, any Error>) async throws -> T {
        do {
            return try await task.value
        } catch let error as DashboardError {
            throw error
        } catch let error as StoreError {
            if case .unknownSweep(let name) = error { throw DashboardError.unknownSweep(name) }
            throw DashboardError.storeUnavailable("\(error)")
        } catch {
            throw DashboardError.storeUnavailable("\(error)")
        }
    }
}
