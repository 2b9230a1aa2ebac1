import Foundation
import Sweep

/// A sweep as the dashboard's first page lists it.
public struct SweepOverview: Codable, Sendable, Equatable {
    public var name: String
    public var counts: StatusCounts
    /// The first job's start and the last activity (a heartbeat or an end).
    public var started: Date?
    public var lastActivity: Date?
    /// From the first start to the last activity.
    public var wallSeconds: Double?
    /// An adaptive sweep's current round, as `status` shows it.
    public var round: String?
}

/// The first page's list of sweeps, with a version that moves whenever a line changes.
struct SweepIndex: Sendable {
    var version: Int
    var sweeps: [SweepOverview]
    /// When the store was read.
    var refreshed: Date
}

/// One sweep's jobs and progress, as `/api/sweeps/<name>` gives it.
public struct SweepState: Codable, Sendable {
    public var name: String
    /// Goes up whenever a cell changes; `changes(since:)` hands out the cells changed after a version.
    public var version: Int
    /// Goes up whenever what the report rests on changes (a job's status or evaluations, a round).
    public var reportVersion: Int
    public var counts: StatusCounts
    public var progress: ProgressEstimate
    public var cells: [JobCell]
}

/// What changed in a sweep after a version: the cells, with the counts and progress now.
public struct SweepChanges: Codable, Sendable {
    public var version: Int
    public var reportVersion: Int
    public var counts: StatusCounts
    public var progress: ProgressEstimate
    public var cells: [JobCell]
    /// True when `cells` holds every cell (the version asked for is unknown to this server).
    public var complete: Bool
}

/// How far a sweep is from its end: the iterations its unfinished jobs still need, the step rate
/// over all its workers and the time left at that rate.
public struct ProgressEstimate: Codable, Sendable, Equatable {
    /// nil when the sweep's stored file does not read on the serving machine (a folder sweep whose
    /// data is elsewhere): its schedule, so what is left, is unknown.
    public var remainingIterations: Int?
    public var stepsPerSecond: Double?
    public var etaSeconds: Double?
    /// Where the rate comes from: "measured over the last 42 s", "finished jobs' durations", or nil.
    public var basis: String?

    /// "ETA 12 min (34.5 steps/s, measured over the last 60 s)", or why there is none.
    var text: String {
        guard let remainingIterations else { return "ETA unknown: the sweep's file does not read here (its data folder elsewhere?)" }
        if remainingIterations == 0 { return "no iterations left" }
        guard let eta = etaSeconds, let rate = stepsPerSecond, let basis else {
            return "\(remainingIterations) iterations left; ETA once steps are measured"
        }
        return "ETA \(Self.duration(eta)) (\(remainingIterations) iterations left at \(String(format: "%.1f", rate)) steps/s, \(basis))"
    }

    /// "45 s", "12 min", "3 h 05 min".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 90 { return "\(s) s" }
        if s < 5400 { return "\((s + 30) / 60) min" }
        return String(format: "%d h %02d min", s / 3600, (s % 3600 + 30) / 60)
    }
}

/// The step rate of a sweep as the dashboard watches it: total steps recorded at each refresh, over
/// a sliding window.
struct StepRateWindow: Sendable {
    private var samples: [(time: Date, steps: Int)] = []
    let span: TimeInterval

    init(span: TimeInterval = 120) {
        self.span = span
    }

    mutating func add(steps: Int, at time: Date) {
        // A job set back to a checkpoint takes its later steps away: start measuring again.
        if let last = samples.last, steps < last.steps { samples.removeAll() }
        samples.append((time, steps))
        samples.removeAll { time.timeIntervalSince($0.time) > span }
    }

    /// Steps per second over the window, once it covers 5 s and steps were made.
    var rate: (stepsPerSecond: Double, seconds: Double)? {
        guard let first = samples.first, let last = samples.last else { return nil }
        let seconds = last.time.timeIntervalSince(first.time)
        guard seconds >= 5, last.steps > first.steps else { return nil }
        return (Double(last.steps - first.steps) / seconds, seconds)
    }
}

extension ProgressEstimate {
    /// The estimate for `jobs` of a schedule of `iterations`: measured by `window` when it can, else
    /// from the finished jobs' durations (their median step rate, times the jobs running now).
    init(jobs: [JobSummary], iterations: Int?, window: StepRateWindow) {
        let open = jobs.filter { !$0.job.status.hasEnded }
        remainingIterations = iterations.map { total in open.reduce(0) { $0 + max(total - $1.steps, 0) } }
        if let measured = window.rate {
            stepsPerSecond = measured.stepsPerSecond
            basis = "measured over the last \(Int(measured.seconds)) s"
        } else {
            let perJob = jobs.compactMap { j -> Double? in
                guard j.job.status == .done, let start = j.job.started, let end = j.job.finished, end > start, j.steps > 0 else { return nil }
                return Double(j.steps) / end.timeIntervalSince(start)
            }.sorted()
            let running = jobs.filter { $0.job.status == .running }.count
            if !perJob.isEmpty, running > 0 {
                stepsPerSecond = perJob[perJob.count / 2] * Double(running)
                basis = "from finished jobs' durations"
            } else {
                stepsPerSecond = nil
                basis = nil
            }
        }
        etaSeconds = stepsPerSecond.flatMap { rate in
            remainingIterations.flatMap { left in rate > 0 && left > 0 ? Double(left) / rate : nil }
        }
    }
}
