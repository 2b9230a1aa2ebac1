import Foundation
import Segmentation

/// The ablation table of a sweep: per aux weight, statistics over seeds of the final (or best)
/// evaluation, the paired difference to w = 0, the probability of being best, the best weight and
/// the weights tied with it; failed and unfinished jobs are listed, never silently dropped.
public struct AblationReport: Sendable {
    /// Which evaluation of each job counts.
    public enum Point: String, Sendable, CaseIterable { case final, best }

    /// One aux weight's line of the report: its values over seeds and what they say.
    public struct Row: Sendable {
        public let auxWeight: Double
        /// mIoU of each done job, by seed.
        public let miou: [Int64: Double]
        public let pixelAccuracy: [Int64: Double]
        public let summary: SeedStatistics.Summary?
        public let pixelSummary: SeedStatistics.Summary?
        /// This weight minus w = 0 over shared seeds (nil for w = 0 itself or without a w = 0 row).
        public let deltaVsZero: SeedStatistics.Paired?
        /// What separating this weight from the best takes (for the best: from w = 0); nil without two
        /// shared seeds (or, for the best, without a w = 0 row or when it is w = 0).
        public let toDecide: SeedsToDecide?
        /// NaN for a weight an adaptive sweep dropped.
        public let probabilityBest: Double
        public let failed: [Int64]
        public let unfinished: [Int64]
    }

    public let sweep: String
    public let point: Point
    public let alpha: Double
    public let rows: [Row]
    /// The highest mean mIoU, and every weight whose paired test against it has p >= alpha (of an
    /// adaptive sweep: among the weights it has not dropped).
    public let best: (auxWeight: Double, tied: [Double])?
    /// An adaptive sweep's plan and rounds (nil for a fixed sweep).
    public let adaptive: AdaptiveState?

    /// PSPNet's finding (Zhao et al. 2017, Table 2, ADE20K val, ResNet50).
    public static let reference = "PSPNet (ADE20K, ResNet50) found 0.4 best (+1.41 mIoU over no aux loss)"

    /// - Parameters:
    ///   - jobs: every job of the sweep; `evaluations` by job id.
    public init(sweep: String, jobs: [JobRecord], evaluations: [Int64: [EvaluationRecord]], adaptive: AdaptiveState? = nil,
                point: Point = .final, alpha: Double = 0.05, resamples: Int = 10_000) {
        self.sweep = sweep
        self.adaptive = adaptive
        self.point = point
        self.alpha = alpha
        let weights = Array(Set(jobs.map(\.auxWeight))).sorted()
        var perWeight: [(Double, [Int64: Double], [Int64: Double], [Int64], [Int64])] = []
        for w in weights {
            let mine = jobs.filter { $0.auxWeight == w }
            var miou: [Int64: Double] = [:], pixel: [Int64: Double] = [:]
            for job in mine where job.status == .done {
                let evals = evaluations[job.id ?? -1] ?? []
                let chosen = point == .final ? evals.max { $0.iteration < $1.iteration } : evals.max { $0.miou < $1.miou }
                if let e = chosen { miou[job.seed] = e.miou; pixel[job.seed] = e.pixelAccuracy }
            }
            perWeight.append((w, miou, pixel, mine.filter { $0.status == .failed }.map(\.seed).sorted(),
                              mine.filter { $0.status != .done && $0.status != .failed }.map(\.seed).sorted()))
        }
        let zero = perWeight.first { $0.0 == 0 }?.1
        // An adaptive sweep's contenders are the weights still in (its last round's, or once it has
        // stopped those it kept): a dropped weight's few seeds do not compete with the survivors' many.
        let contenders = adaptive?.current.map { Set($0.decision?.kept ?? $0.weights) }
        let isContender = { (w: Double) in contenders?.contains(w) ?? true }
        let contending = perWeight.filter { isContender($0.0) }
        let pContending = SeedStatistics.probabilityBest(contending.map(\.1), resamples: resamples)
        let pBest = perWeight.map { r in contending.firstIndex { $0.0 == r.0 }.map { pContending[$0] } ?? .nan }
        // The best: the highest mean; the tied: weights whose paired test against it does not reject.
        func mean(_ bySeed: [Int64: Double]) -> Double { Statistics.mean(SeedStatistics.inSeedOrder(bySeed)) ?? 0 }
        let top = contending.filter { !$0.1.isEmpty }.max { mean($0.1) < mean($1.1) }
        if let top {
            let tied = contending.filter { other in
                guard other.0 != top.0, !other.1.isEmpty else { return false }
                // Without two shared seeds nothing shows it worse: tied.
                guard let test = SeedStatistics.paired(top.1, minus: other.1), test.n >= 2 else { return true }
                // Identical paired differences have no t statistic: tied only when they are all zero.
                return (test.pT ?? (test.mean == 0 ? 1 : 0)) >= alpha
            }.map(\.0)
            best = (top.0, tied)
        } else {
            best = nil
        }
        rows = perWeight.enumerated().map { i, r in
            var toDecide: SeedsToDecide?
            if let top {
                if r.0 != top.0 {
                    toDecide = SeedsToDecide(versus: top.0, leading: top.1, other: r.1, alpha: alpha)
                } else if r.0 != 0 {
                    toDecide = zero.flatMap { SeedsToDecide(versus: 0, leading: r.1, other: $0, alpha: alpha) }
                }
            }
            return Row(auxWeight: r.0, miou: r.1, pixelAccuracy: r.2,
                       summary: SeedStatistics.summary(SeedStatistics.inSeedOrder(r.1)),
                       pixelSummary: SeedStatistics.summary(SeedStatistics.inSeedOrder(r.2)),
                       deltaVsZero: r.0 == 0 ? nil : zero.flatMap { SeedStatistics.paired(r.1, minus: $0) },
                       toDecide: toDecide, probabilityBest: pBest[i], failed: r.3, unfinished: r.4)
        }
    }

    /// The row of the best weight.
    public var bestRow: Row? { best.flatMap { b in rows.first { $0.auxWeight == b.auxWeight } } }

    /// What deciding takes, in one line: of the weights tied with the best (else of all others), the
    /// one hardest to separate from it (the most seeds to decide) and the paired seeds per weight that
    /// needs; tied weights sharing fewer than two seeds with the best; then the best against w = 0.
    /// Nil without a best weight or any comparison to rest on.
    public var toDecideLine: String? {
        guard let best else { return nil }
        func amount(_ d: SeedsToDecide) -> String {
            switch d.seeds {
            case .count(let n): "about \(n) seeds per weight"
            case .beyondCap: "more than \(PairedPower.cap) seeds per weight"
            case .undefined: "no number of seeds (their paired mean difference is zero)"
            }
        }
        let others = rows.filter { $0.auxWeight != best.auxWeight }
        let tied = others.filter { best.tied.contains($0.auxWeight) }
        let candidates = (tied.contains { $0.toDecide != nil } ? tied : others).filter { $0.toDecide != nil }
        var parts: [String] = []
        // The best against w = 0 has its own part below.
        if let hardest = candidates.max(by: { ($0.toDecide?.hardness ?? 0) < ($1.toDecide?.hardness ?? 0) }), let d = hardest.toDecide,
           hardest.auxWeight != 0 || bestRow?.toDecide == nil {
            parts.append("to separate the best from \(Self.weight(hardest.auxWeight)): \(amount(d))")
        }
        let unmeasured = tied.filter { $0.toDecide == nil }.map { Self.weight($0.auxWeight) }
        if !unmeasured.isEmpty { parts.append("\(unmeasured.joined(separator: ", ")): fewer than two seeds shared with the best") }
        if let d = bestRow?.toDecide { parts.append("the best from w = 0: \(amount(d))") }
        guard !parts.isEmpty else { return nil }
        return "Seeds to decide (paired t-test, alpha \(alpha), power 0.8; now \(bestRow?.summary?.n ?? 0) for the best): "
            + parts.joined(separator: "; ") + "."
    }

    /// One line against PSPNet's finding, in mIoU points (x100) as the paper reports them.
    public var verdict: String {
        guard let best, let row = bestRow else { return "\(Self.reference); this sweep: no finished jobs yet" }
        var gain = "gain over w=0 n/a (no w = 0 row)"
        if best.auxWeight == 0 {
            gain = "no gain over w=0 (w = 0 is best)"
        } else if let d = row.deltaVsZero {
            gain = "gain over w=0 = " + Self.points(d.mean, signed: true)
                + (d.ci95.map { " [\(Self.points($0.low, signed: true)), \(Self.points($0.high, signed: true))]" } ?? "")
                + " mIoU"
        }
        let tied = best.tied.isEmpty ? "none" : best.tied.map { Self.weight($0) }.joined(separator: ", ")
        return "\(Self.reference); this sweep: best w = \(Self.weight(best.auxWeight)), \(gain), "
            + "tied (p >= \(alpha)): {\(tied)}"
    }

    static func points(_ v: Double, signed: Bool) -> String {
        String(format: signed ? "%+.2f" : "%.2f", v * 100)
    }

    /// An aux weight as every output names it: up to 4 decimals, at least one (0.0, 0.4, 0.125).
    public static func weight(_ w: Double) -> String {
        var s = String(format: "%.4f", w)
        while s.hasSuffix("0") && !s.hasSuffix(".0") { s.removeLast() }
        return s
    }
}
