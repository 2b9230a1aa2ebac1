import Foundation
import NN
import Sweep
import Testing

/// The adaptive rule on simulated sweeps (the statistics code alone, no training): 11 weights, seeds
/// {initial: 5, step: 5, max: 40}, each job's final mIoU its weight's mean plus independent normal
/// noise of standard deviation 1 (so one standard deviation of a weight over seeds is 1). Every
/// simulated sweep draws all 11 x 40 values first; the adaptive sweep sees the ones its rounds run,
/// the fixed sweep (every weight, 40 seeds) all of them, so both decide on the same draws.
@Suite("Adaptive rounds on 2000 simulated sweeps")
struct AdaptiveSimulationTests {
    static let plan = AdaptiveSeeds(initial: 5, step: 5, max: 40)
    static let weights = (0...10).map { Double($0) / 10 }
    static let sweeps = 2000

    /// One simulated adaptive sweep.
    struct Outcome {
        /// Weights left when it stopped, and the best of them (highest mean over their seeds).
        let kept: [Double]
        let best: Double
        let jobs: Int
        /// The fixed sweep's best on the same draws (all 40 seeds of every weight).
        let fixedBest: Double
    }

    static func simulate(means: [Double], generator: inout SeededGenerator) -> Outcome {
        var table: [Double: [Int64: Double]] = [:]
        for (w, mean) in zip(weights, means) {
            table[w] = Dictionary(uniqueKeysWithValues: (0..<Int64(plan.max)).map { ($0, mean + normal(&generator)) })
        }
        var round = SweepRound(sweep: "sim", round: 1, seeds: plan.initial, weights: weights)
        var jobs = weights.count * plan.initial
        while true {
            let (decision, next) = RoundDecider.decide(round, plan: plan, miou: table)
            guard let next else {
                let kept = decision.kept
                let best = kept.max { mean(table[$0], below: round.seeds) < mean(table[$1], below: round.seeds) } ?? -1
                let fixedBest = weights.max { mean(table[$0], below: plan.max) < mean(table[$1], below: plan.max) } ?? -1
                return Outcome(kept: kept, best: best, jobs: jobs, fixedBest: fixedBest)
            }
            jobs += next.weights.count * (next.seeds - round.seeds)
            round = next
        }
    }

    static func mean(_ bySeed: [Int64: Double]?, below seeds: Int) -> Double {
        let values = (0..<Int64(seeds)).compactMap { bySeed?[$0] }
        return values.reduce(0, +) / Double(max(values.count, 1))
    }

    /// A standard normal draw (Box-Muller).
    static func normal(_ generator: inout SeededGenerator) -> Double {
        let u1 = (Double(generator.next() >> 11) + 1) / 9_007_199_254_740_992.0
        let u2 = Double(generator.next() >> 11) / 9_007_199_254_740_992.0
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    @Test("all weights equal: no weight (each one a true best) is dropped in more than 5 % of sweeps, nor the fixed sweep's best")
    func allEqual() {
        var generator = SeededGenerator(seed: 14_001)
        var droppedCount = [Double: Int](), anyDropped = 0, fixedBestDropped = 0, jobs = 0
        for _ in 0..<Self.sweeps {
            let outcome = Self.simulate(means: Self.weights.map { _ in 0 }, generator: &generator)
            for w in Self.weights where !outcome.kept.contains(w) { droppedCount[w, default: 0] += 1 }
            if outcome.kept.count < Self.weights.count { anyDropped += 1 }
            if !outcome.kept.contains(outcome.fixedBest) { fixedBestDropped += 1 }
            jobs += outcome.jobs
        }
        let worst = Self.weights.map { Double(droppedCount[$0] ?? 0) / Double(Self.sweeps) }.max() ?? 1
        let fixedRate = Double(fixedBestDropped) / Double(Self.sweeps)
        print("adaptive simulation, all equal: a given weight dropped in at most \(worst) of sweeps; the fixed sweep's best in "
              + "\(fixedRate); some weight in \(Double(anyDropped) / Double(Self.sweeps)); jobs \(Double(jobs) / Double(Self.sweeps)) "
              + "of \(Self.weights.count * Self.plan.max)")
        #expect(worst <= 0.05, "a weight was dropped in \(worst) of sweeps")
        #expect(fixedRate <= 0.05, "the fixed sweep's best was dropped in \(fixedRate) of sweeps")
    }

    @Test("one weight better by one standard deviation survives in at least 80 % of sweeps, is the final best as often, and costs fewer jobs than the fixed sweep")
    func oneBetter() {
        var generator = SeededGenerator(seed: 14_002)
        let better = 0.4
        var survived = 0, finalBest = 0, alone = 0, agree = 0, jobs = 0
        for _ in 0..<Self.sweeps {
            let outcome = Self.simulate(means: Self.weights.map { $0 == better ? 1 : 0 }, generator: &generator)
            if outcome.kept.contains(better) { survived += 1 }
            if outcome.best == better { finalBest += 1 }
            if outcome.kept == [better] { alone += 1 }
            if outcome.best == outcome.fixedBest { agree += 1 }
            jobs += outcome.jobs
        }
        let n = Double(Self.sweeps)
        let ratio = Double(jobs) / n / Double(Self.weights.count * Self.plan.max)
        print("adaptive simulation, one weight +1 sd: survives \(Double(survived) / n), final best \(Double(finalBest) / n), "
              + "alone at the end \(Double(alone) / n), same best as the fixed sweep \(Double(agree) / n); "
              + "jobs \(Double(jobs) / n) of \(Self.weights.count * Self.plan.max) (ratio \(ratio))")
        #expect(Double(survived) / n >= 0.8)
        #expect(Double(finalBest) / n >= 0.8)
        #expect(Double(agree) / n >= 0.8)
        #expect(ratio < 0.9, "the adaptive sweep used \(ratio) of the fixed sweep's jobs")
    }
}

/// Holm's steps in one round, on values made so that two weights are clearly worse than the best.
@Suite("Adaptive rounds: one decision")
struct RoundDeciderTests {
    @Test("tests in ascending p meet level/m, level/(m-1), ... until the first that fails; those before it are dropped")
    func holm() {
        let base = [0.50, 0.52, 0.49, 0.51, 0.53, 0.50, 0.48, 0.52]
        let e = [0.001, -0.002, 0.0015, -0.001, 0.002, -0.0015, 0.001, -0.0005]
        func values(_ shift: Double, _ noise: Double) -> [Int64: Double] {
            Dictionary(uniqueKeysWithValues: base.indices.map { (Int64($0), base[$0] + shift + noise * e[$0]) })
        }
        let miou: [Double: [Int64: Double]] = [0: values(0, 1), 0.25: values(0.04, 2), 0.5: values(0.048, 3), 0.75: values(0.05, -1),
                                               1: values(0.05, 0)]
        let plan = AdaptiveSeeds(initial: 8, step: 4, max: 16)
        let round = SweepRound(sweep: "s", round: 1, seeds: 8, weights: [0, 0.25, 0.5, 0.75, 1])
        let (decision, next) = RoundDecider.decide(round, plan: plan, miou: miou)
        #expect(decision.best == 1 && decision.level == 0.05 / 3)
        #expect(decision.dropped == [0, 0.25] && decision.kept == [0.5, 0.75, 1] && decision.stop == nil)
        let reached = decision.tests.filter { $0.threshold != nil }.sorted { ($0.p ?? 1) < ($1.p ?? 1) }
        #expect(reached.count == 3)
        for (k, test) in reached.enumerated() { #expect(test.threshold == decision.level / Double(4 - k)) }
        #expect(reached.prefix(2).allSatisfy { $0.dropped && ($0.p ?? 1) <= ($0.threshold ?? 0) } && reached[2].dropped == false)
        #expect(next == SweepRound(sweep: "s", round: 2, seeds: 12, weights: [0.5, 0.75, 1]))
        // The same inputs give the same decision (the rounds of every process and of a resumed sweep).
        #expect(RoundDecider.decide(round, plan: plan, miou: miou).decision == decision)
    }
}
