import Foundation
import Sweep

/// One job as the dashboard's grid shows it: where its run stands and its last evaluation.
public struct JobCell: Codable, Sendable, Equatable {
    /// "weight/seed" (e.g. "0.4/3"): the cell's name in the page and in the API.
    public var key: String
    public var auxWeight: Double
    public var seed: Int64
    public var status: JobStatus
    /// Steps recorded so far (the iteration the run has reached).
    public var steps: Int
    /// The schedule's length (nil when the sweep's spec no longer parses).
    public var iterations: Int?
    /// The last evaluation's mIoU (the final one once done) and its iteration.
    public var miou: Double?
    public var evaluatedAt: Int?
    public var attempt: Int
    public var worker: String?
    public var error: String?

    init(_ summary: JobSummary, iterations: Int?) {
        key = Self.key(weight: summary.job.auxWeight, seed: summary.job.seed)
        auxWeight = summary.job.auxWeight
        seed = summary.job.seed
        status = summary.job.status
        steps = summary.steps
        self.iterations = iterations
        miou = summary.miou
        evaluatedAt = summary.iteration
        attempt = summary.job.attempt
        worker = summary.job.worker
        error = summary.job.error
    }

    /// A cell's key: the weight as reports write it, a slash, the seed.
    public static func key(weight: Double, seed: Int64) -> String { "\(AblationReport.weight(weight))/\(seed)" }

    /// What hovering over the cell says.
    var hoverText: String {
        var parts = ["w = \(AblationReport.weight(auxWeight)), seed \(seed): \(status.rawValue)",
                     "iteration \(steps)" + (iterations.map { " of \($0)" } ?? "")]
        if let miou, let evaluatedAt { parts.append("mIoU \(NumberText.fixed(miou)) at iteration \(evaluatedAt)") }
        if attempt > 1 { parts.append("attempt \(attempt)") }
        if let error { parts.append("error: \(error)") }
        return parts.joined(separator: "; ")
    }

    /// The cell's text: the final mIoU when done, else the iteration (of the total).
    var label: String {
        if status == .done, let miou { return NumberText.fixed(miou) }
        if status == .pending && steps == 0 { return "" }
        return iterations.map { "\(steps)/\($0)" } ?? "\(steps)"
    }
}

/// Jobs per status.
public struct StatusCounts: Codable, Sendable, Equatable {
    public var done = 0, running = 0, failed = 0, interrupted = 0, pending = 0

    init(_ statuses: some Sequence<JobStatus>) {
        for status in statuses {
            switch status {
            case .done: done += 1
            case .running: running += 1
            case .failed: failed += 1
            case .interrupted: interrupted += 1
            case .pending: pending += 1
            }
        }
    }

    public var total: Int { done + running + failed + interrupted + pending }

    /// "12 done, 2 running, 41 pending" (statuses with no job left out).
    var text: String {
        let parts = [("done", done), ("running", running), ("failed", failed), ("interrupted", interrupted), ("pending", pending)]
            .filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
        return parts.isEmpty ? "no jobs" : parts.joined(separator: ", ")
    }
}
