import Foundation

/// An adaptive sweep's seed plan (`seeds: {initial, step, max}`, `until: {weights: K}`): every weight
/// starts with `initial` seeds; after each round, weights significantly worse than the best are
/// dropped and the others get `step` more seeds, up to `max`.
///
/// Seeds are 0, 1, 2, ... in order: round r runs seeds `seedCount(round: r - 1) ..< seedCount(round: r)`.
public struct AdaptiveSeeds: Codable, Sendable, Equatable {
    /// Seeds every weight gets in round 1 (at least 2: a paired test needs two).
    public var initial: Int
    /// Seeds added per round to the weights still in.
    public var step: Int
    /// The most seeds a weight gets.
    public var max: Int
    /// Stop once this many weights (or fewer) are left (nil: go on until one is left or `max`).
    public var untilWeights: Int?
    /// The chance of dropping the true best over the whole sweep, split evenly over the rounds.
    public var alpha: Double

    public init(initial: Int, step: Int, max: Int, untilWeights: Int? = nil, alpha: Double = 0.05) {
        precondition(initial >= 2 && step >= 1 && max >= initial, "an adaptive plan needs initial >= 2, step >= 1, max >= initial")
        precondition(alpha > 0 && alpha < 1, "alpha is a probability")
        self.initial = initial
        self.step = step
        self.max = max
        self.untilWeights = untilWeights
        self.alpha = alpha
    }

    enum CodingKeys: String, CodingKey { case initial, step, max, untilWeights, alpha }

    /// Absent values as `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(initial, forKey: .initial)
        try c.encode(step, forKey: .step)
        try c.encode(max, forKey: .max)
        try c.encode(untilWeights, forKey: .untilWeights)
        try c.encode(alpha, forKey: .alpha)
    }

    /// The planned rounds: the first, then one per `step` until `max`.
    public var rounds: Int { 1 + (max - initial + step - 1) / step }

    /// The significance level of each round's tests: `alpha` split evenly over the planned rounds, so
    /// that (by the union bound) the true best is dropped in at most `alpha` of sweeps.
    public var levelPerRound: Double { alpha / Double(rounds) }

    /// Seeds per weight once round `round` (1-based; 0: none) has run.
    public func seedCount(round: Int) -> Int {
        round <= 0 ? 0 : Swift.min(max, initial + (round - 1) * step)
    }
}
