import Foundation

/// One round of an adaptive sweep as the store keeps it: the weights that run in it, the seeds each
/// has once it is done, and (when all its jobs have ended) what was decided.
public struct SweepRound: Codable, Sendable, Equatable {
    public var sweep: String
    /// 1, 2, ...
    public var round: Int
    /// Seeds per weight once this round's jobs are done (seeds 0 ..< `seeds`).
    public var seeds: Int
    /// The weights running in this round, ascending.
    public var weights: [Double]
    /// Nil until every job of the round has ended.
    public var decision: RoundDecision?
    /// When the decision was taken.
    public var decided: Date?

    public init(sweep: String, round: Int, seeds: Int, weights: [Double], decision: RoundDecision? = nil, decided: Date? = nil) {
        self.sweep = sweep
        self.round = round
        self.seeds = seeds
        self.weights = weights
        self.decision = decision
        self.decided = decided
    }

    enum CodingKeys: String, CodingKey { case sweep, round, seeds, weights, decision, decided }

    /// Absent values as `null` (a running round has a `decision` key too).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sweep, forKey: .sweep)
        try c.encode(round, forKey: .round)
        try c.encode(seeds, forKey: .seeds)
        try c.encode(weights, forKey: .weights)
        try c.encode(decision, forKey: .decision)
        try c.encode(decided, forKey: .decided)
    }
}

/// What the end of a round decided: the best weight, a paired test of each other weight against it
/// (Holm-corrected at the round's level), which weights went on, and why the sweep stops if it does.
public struct RoundDecision: Codable, Sendable, Equatable {
    /// One weight's test against the best.
    public struct Test: Codable, Sendable, Equatable {
        public var auxWeight: Double
        /// Seeds shared with the best.
        public var n: Int
        /// Mean over shared seeds of the best minus this weight (nil without a shared seed).
        public var difference: Double?
        /// Two-sided paired t-test p-value (nil with fewer than two shared seeds: not tested).
        public var p: Double?
        /// The Holm threshold p had to beat (nil: not reached in Holm's order, or not tested).
        public var threshold: Double?
        public var dropped: Bool

        enum CodingKeys: String, CodingKey { case auxWeight, n, difference, p, threshold, dropped }

        /// Absent values as `null`.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(auxWeight, forKey: .auxWeight)
            try c.encode(n, forKey: .n)
            try c.encode(difference, forKey: .difference)
            try c.encode(p, forKey: .p)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(dropped, forKey: .dropped)
        }
    }

    /// Why a sweep stops after a round.
    public enum Stop: String, Codable, Sendable {
        case oneLeft = "one weight left"
        case noneLeft = "no weight has a finished job"
        case maxSeeds = "max seeds reached"
        case untilWeights = "until.weights reached"
    }

    /// The weight with the highest mean over its seeds (nil when no job of the round's weights is done).
    public var best: Double?
    /// The significance level of the round (the sweep's alpha over its planned rounds).
    public var level: Double
    /// Every weight of the round but the best, ascending.
    public var tests: [Test]
    /// Weights with no finished job at all, dropped without a test.
    public var failed: [Double]
    /// The weights that go on (or, when the sweep stops, are left).
    public var kept: [Double]
    /// Nil: the next round runs `kept` with more seeds.
    public var stop: Stop?

    /// Weights dropped by a test.
    public var dropped: [Double] { tests.filter(\.dropped).map(\.auxWeight) }

    enum CodingKeys: String, CodingKey { case best, level, tests, failed, kept, stop }

    /// Absent values as `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(best, forKey: .best)
        try c.encode(level, forKey: .level)
        try c.encode(tests, forKey: .tests)
        try c.encode(failed, forKey: .failed)
        try c.encode(kept, forKey: .kept)
        try c.encode(stop, forKey: .stop)
    }
}

/// What a worker finds when it has nothing to claim in an adaptive sweep (`ResultsStore.advanceRounds`).
public enum RoundAdvance: Sendable, Equatable {
    /// The sweep needs no more jobs: it is fixed, or its last round decided to stop.
    case finished
    /// Jobs of the current round are still running elsewhere: wait and claim again.
    case waiting
    /// A round was decided and the next one's jobs were added: claim again.
    case planned(round: Int, jobs: Int)
}
