import Foundation

extension SweepRound {
    /// The round in one line, as `status`, `report` and a running sweep show it: its seeds and
    /// weights, then (once decided) the best, each dropped weight with its p-value and Holm
    /// threshold, what went on, and why the sweep stopped if it did.
    public var summary: String {
        let head = "Round \(round) (\(seeds) seeds per weight, \(weights.count) weights)"
        guard let decision else { return head + ": running." }
        var parts = ["best w = " + (decision.best.map(AblationReport.weight) ?? "-")]
        let dropped = decision.tests.filter(\.dropped).map { t in
            "\(AblationReport.weight(t.auxWeight)) (p = \(AblationReport.p(t.p)) <= \(AblationReport.p(t.threshold)))"
        }
        parts.append(dropped.isEmpty ? "none dropped" : "dropped " + dropped.joined(separator: ", "))
        if !decision.failed.isEmpty {
            parts.append("dropped without a finished job: " + decision.failed.map(AblationReport.weight).joined(separator: ", "))
        }
        let kept = decision.kept.map(AblationReport.weight).joined(separator: ", ")
        if let stop = decision.stop {
            parts.append("stopped: \(stop); left: \(kept)")
        } else {
            parts.append("\(decision.kept.count) go on: \(kept)")
        }
        return head + ": " + parts.joined(separator: "; ") + "."
    }
}

extension AdaptiveState {
    /// The plan in one line: seeds, rounds and how significance is split.
    public var planSummary: String {
        "Adaptive: seeds \(plan.initial) + \(plan.step) per round up to \(plan.max)"
            + (plan.untilWeights.map { ", until \($0) weights are left" } ?? "")
            + "; up to \(plan.rounds) rounds, each testing every weight against the best (paired t-test, Holm over weights) "
            + "at alpha \(plan.alpha) / \(plan.rounds) = \(AblationReport.p(plan.levelPerRound))."
    }

    /// The plan, then every round's line.
    public var lines: [String] { [planSummary] + rounds.map(\.summary) }
}
