import Foundation

/// The decision at the end of an adaptive sweep's round: a pure function of the plan, the round and
/// the final mIoU of its done jobs, so every process (and a resumed sweep) decides the same.
///
/// The best is the weight with the highest mean over its seeds (ties: the lower weight). Every other
/// weight is tested against it with a two-sided paired t-test over shared seeds; the p-values are
/// Holm-corrected over the weights at the round's level (`AdaptiveSeeds.levelPerRound`), and a weight
/// whose test rejects is dropped. A weight with no done job at all is dropped as failed; one sharing
/// fewer than two seeds with the best is not tested and goes on.
public enum RoundDecider {
    /// Decides `round` from `miou` (weight -> seed -> final mIoU; seeds beyond the round are ignored).
    /// Returns the decision and, unless it stops the sweep, the next round.
    public static func decide(_ round: SweepRound, plan: AdaptiveSeeds, miou: [Double: [Int64: Double]])
        -> (decision: RoundDecision, next: SweepRound?) {
        let values = Dictionary(uniqueKeysWithValues: round.weights.map { w in
            (w, (miou[w] ?? [:]).filter { $0.key >= 0 && $0.key < Int64(round.seeds) })
        })
        let failed = round.weights.filter { values[$0]?.isEmpty ?? true }
        let candidates = round.weights.filter { !failed.contains($0) }
        func mean(_ w: Double) -> Double {
            Statistics.mean(SeedStatistics.inSeedOrder(values[w] ?? [:])) ?? -.infinity
        }
        // max(by:) keeps the first of equals: the lower weight wins a tie.
        let best = candidates.max { mean($0) < mean($1) }
        var tests: [RoundDecision.Test] = []
        if let best, let top = values[best] {
            tests = candidates.filter { $0 != best }.map { w in
                let paired = SeedStatistics.paired(top, minus: values[w] ?? [:])
                var p: Double?
                if let paired, paired.n >= 2 { p = paired.pT ?? (paired.mean == 0 ? 1 : 0) }
                return RoundDecision.Test(auxWeight: w, n: paired?.n ?? 0, gap: paired?.mean, p: p, threshold: nil, dropped: false)
            }
            // Holm: in ascending p (ties by weight), the k-th of m rejects while p <= level / (m - k).
            let order = tests.indices.filter { tests[$0].p != nil }.sorted {
                (tests[$0].p ?? 1, tests[$0].auxWeight) < (tests[$1].p ?? 1, tests[$1].auxWeight)
            }
            for (k, index) in order.enumerated() {
                let threshold = plan.levelPerRound / Double(order.count - k)
                tests[index].threshold = threshold
                guard let p = tests[index].p, p <= threshold else { break }
                // Only a weight below the best is dropped (a tie in the mean with a constant paired difference cannot be).
                tests[index].dropped = (tests[index].gap ?? 0) > 0
            }
        }
        let dropped = Set(tests.filter(\.dropped).map(\.auxWeight))
        let kept = candidates.filter { !dropped.contains($0) }
        var stop: RoundDecision.Stop?
        if kept.isEmpty {
            stop = .noneLeft
        } else if kept.count == 1 {
            stop = .oneLeft
        } else if round.seeds >= plan.max {
            stop = .maxSeeds
        } else if let until = plan.untilWeights, kept.count <= until {
            stop = .untilWeights
        }
        let decision = RoundDecision(best: best, level: plan.levelPerRound, tests: tests, failed: failed, kept: kept, stop: stop)
        let next = stop == nil
            ? SweepRound(sweep: round.sweep, round: round.round + 1, seeds: plan.seedCount(round: round.round + 1), weights: kept)
            : nil
        return (decision, next)
    }
}
