import Foundation

/// What the end of a round decided: the best weight, a paired test of each other weight against it
/// (Holm-corrected at the round's level), which weights went on, and why the sweep stops if it does.
public struct RoundDecision: Codable, Sendable, Equatable {
    /// One weight's test against the best.
    public struct Test: Codable, Sendable, Equatable {
        public var auxWeight: Double
        /// Seeds shared with the best.
        public var n: Int
        /// The gap: the mean over shared seeds of the best minus this weight (nil without a shared seed).
        public var gap: Double?
        /// Two-sided paired t-test p-value (nil with fewer than two shared seeds: not tested).
        public var p: Double?
        /// The Holm threshold p had to beat (nil: not reached in Holm's order, or not tested).
        public var threshold: Double?
        /// Whether the test rejected and the weight left the sweep.
        public var dropped: Bool

        enum CodingKeys: String, CodingKey { case auxWeight, n, gap, p, threshold, dropped }

        /// Absent values as `null`.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(auxWeight, forKey: .auxWeight)
            try c.encode(n, forKey: .n)
            try c.encode(gap, forKey: .gap)
            try c.encode(p, forKey: .p)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(dropped, forKey: .dropped)
        }
    }

    /// Why a sweep stops after a round.
    ///
    /// Stored by its code (`one_left`, ...), never by its wording, so messages can change.
    public enum Stop: String, Codable, Sendable, CustomStringConvertible {
        case oneLeft = "one_left"
        case noneLeft = "none_left"
        case maxSeeds = "max_seeds"
        case untilWeights = "until_weights"

        public var description: String {
            switch self {
            case .oneLeft: "one weight left"
            case .noneLeft: "no weight has a finished job"
            case .maxSeeds: "max seeds reached"
            case .untilWeights: "until.weights reached"
            }
        }
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
