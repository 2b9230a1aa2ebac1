import Foundation

/// The report's JSON document, as `report --format json` writes it.
///
/// Keys in snake case: `sweep`, `metric`, `point`, `alpha`, `weights[]`, `best`, `verdict`,
/// `to_decide`, `adaptive`, `reference`. Absent values are `null`, never left out, and so are
/// not-a-number values (P(best) without shared seeds, or of a weight an adaptive sweep dropped).
struct ReportDocument: Encodable {
    /// One weight's row.
    struct Weight: Encodable {
        let auxWeight: Double
        let n: Int
        let mean: OrNull<Double>
        let std: OrNull<Double>
        let ci95: OrNull<[Double]>
        let pixelAcc: PixelAccuracy
        let deltaVsZero: OrNull<Delta>
        let pBest: OrNull<Double>
        /// Against the best, and for the best against w = 0; null where undefined (a zero difference,
        /// fewer than two shared seeds) or beyond the cap (then `decide.beyond_cap` is true).
        let seedsToDecide: OrNull<Int>
        let decide: OrNull<Decide>
        let failedSeeds: [Int64]
        let unfinishedSeeds: [Int64]
        let miouBySeed: [String: Double]
    }

    struct PixelAccuracy: Encodable { let mean: OrNull<Double>, std: OrNull<Double> }

    struct Delta: Encodable {
        let mean: Double, ci95: OrNull<[Double]>, p: OrNull<Double>, pPermutation: OrNull<Double>, n: Int
    }

    /// The paired comparison `seeds_to_decide` rests on: the other weight, the gap (the mean paired
    /// difference, leading side minus the other), its standard deviation over the `n` shared seeds.
    struct Decide: Encodable { let versus: Double, gap: Double, std: Double, n: Int, beyondCap: Bool }

    struct Best: Encodable { let auxWeight: Double, tied: [Double] }

    let sweep: String
    let metric = "miou"
    let point: String
    let alpha: Double
    let weights: [Weight]
    let best: OrNull<Best>
    let verdict: String
    let toDecide: OrNull<String>
    /// An adaptive sweep's plan and rounds with their decisions (null for a fixed sweep).
    let adaptive: OrNull<Adaptive>
    let reference = AblationReport.reference

    struct Adaptive: Encodable { let plan: AdaptiveSeeds, rounds: [SweepRound] }

    init(_ report: AblationReport) {
        func interval(_ ci: (low: Double, high: Double)?) -> OrNull<[Double]> { OrNull(ci.map { [$0.low, $0.high] }) }
        sweep = report.sweep
        point = report.point.rawValue
        alpha = report.alpha
        weights = report.rows.map { r in
            Weight(auxWeight: r.auxWeight, n: r.summary?.n ?? 0, mean: OrNull(r.summary?.mean), std: OrNull(r.summary?.std),
                   ci95: interval(r.summary?.ci95),
                   pixelAcc: PixelAccuracy(mean: OrNull(r.pixelSummary?.mean), std: OrNull(r.pixelSummary?.std)),
                   deltaVsZero: OrNull(r.deltaVsZero.map {
                       Delta(mean: $0.mean, ci95: interval($0.ci95), p: OrNull($0.pT), pPermutation: OrNull($0.pPermutation), n: $0.n)
                   }),
                   pBest: OrNull(r.probabilityBest), seedsToDecide: OrNull(r.toDecide?.count),
                   decide: OrNull(r.toDecide.map {
                       Decide(versus: $0.versus, gap: $0.gap, std: $0.std, n: $0.n, beyondCap: $0.seeds == .beyondCap)
                   }),
                   failedSeeds: r.failed, unfinishedSeeds: r.unfinished,
                   miouBySeed: Dictionary(uniqueKeysWithValues: r.miou.map { ("\($0.key)", $0.value) }))
        }
        best = OrNull(report.best.map { Best(auxWeight: $0.auxWeight, tied: $0.tied) })
        verdict = report.verdict
        toDecide = OrNull(report.toDecideLine)
        adaptive = OrNull(report.adaptive.map { Adaptive(plan: $0.plan, rounds: $0.rounds) })
    }
}
