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
