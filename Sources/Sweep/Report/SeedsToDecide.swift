import Foundation

/// How far a paired comparison is from an answer: the observed paired difference between two weights,
/// its standard deviation over seeds, and the paired seeds a two-sided paired t-test needs to tell them
/// apart with 80 % power at that difference (`PairedPower.seedsToDecide`).
///
/// The report gives one per weight: against the best, and for the best against w = 0.
public struct SeedsToDecide: Sendable, Equatable {
    /// The weight this one is compared with (the best, or w = 0 for the best itself).
    public let versus: Double
    /// The gap: the mean over shared seeds of the leading side minus the other (the best minus this
    /// weight, or the best minus w = 0).
    public let gap: Double
    /// The sample standard deviation of the paired differences.
    public let std: Double
    /// Seeds both weights have.
    public let n: Int
    /// The paired seeds needed per weight (`.undefined` for a zero difference).
    public let seeds: PairedPower.Seeds

    /// The comparison `leading[s] - other[s]` over shared seeds; nil with fewer than two of them.
    public init?(versus: Double, leading: [Int64: Double], other: [Int64: Double], alpha: Double = 0.05, power: Double = 0.8) {
        guard let paired = SeedStatistics.paired(leading, minus: other), paired.n >= 2, let std = paired.std else { return nil }
        self.versus = versus
        gap = paired.mean
        self.std = std
        n = paired.n
        seeds = PairedPower.seedsToDecide(difference: paired.mean, sd: std, alpha: alpha, power: power)
    }

    /// The count for tables and the JSON: the number, nil where undefined or beyond the cap.
    public var count: Int? {
        if case .count(let n) = seeds { return n }
        return nil
    }

    /// The table's cell: the number, ">1000" beyond the cap, "-" where undefined.
    public var cell: String {
        switch seeds {
        case .count(let n): "\(n)"
        case .beyondCap: ">\(PairedPower.cap)"
        case .undefined: "-"
        }
    }

    /// How hard the comparison is, for choosing the one the summary line names: a zero difference is
    /// hardest, then beyond the cap, then the larger count.
    var hardness: Int {
        switch seeds {
        case .count(let n): n
        case .beyondCap: PairedPower.cap + 1
        case .undefined: PairedPower.cap + 2
        }
    }
}
