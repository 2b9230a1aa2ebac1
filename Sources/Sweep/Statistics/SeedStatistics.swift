import Foundation
import NN

/// Statistics over seeds: means with Student-t intervals, paired differences with t-test and exact
/// sign-flip permutation p-values, and the bootstrap probability of being best.
public enum SeedStatistics {
    /// Mean, sample standard deviation and 95 % Student-t interval of values over seeds.
    public struct Summary: Sendable, Equatable {
        public let n: Int
        public let mean: Double
        /// nil for fewer than two values.
        public let std: Double?
        public let ci95: (low: Double, high: Double)?

        public static func == (a: Summary, b: Summary) -> Bool {
            a.n == b.n && a.mean == b.mean && a.std == b.std && a.ci95?.low == b.ci95?.low && a.ci95?.high == b.ci95?.high
        }
    }

    /// A weight's values by seed, in seed order: sums over them do not depend on a dictionary's order.
    public static func inSeedOrder(_ bySeed: [Int64: Double]) -> [Double] {
        bySeed.keys.sorted().compactMap { bySeed[$0] }
    }

    /// The summary of values over seeds (nil for none).
    public static func summary(_ x: [Double]) -> Summary? {
        guard let mean = Statistics.mean(x) else { return nil }
        let std = Statistics.sampleStandardDeviation(x)
        let ci = std.map { s -> (Double, Double) in
            let half = StudentT.quantile(0.975, df: Double(x.count - 1)) * s / Double(x.count).squareRoot()
            return (mean - half, mean + half)
        }
        return Summary(n: x.count, mean: mean, std: std, ci95: ci)
    }

    /// A paired comparison: differences over the seeds both sides share.
    public struct Paired: Sendable {
        public let n: Int
        public let mean: Double
        /// The sample standard deviation of the differences (nil for fewer than two pairs).
        public let std: Double?
        public let ci95: (low: Double, high: Double)?
        /// Two-sided paired t-test (nil for fewer than two pairs or identical differences).
        public let pT: Double?
        /// Two-sided exact sign-flip permutation p-value (nil for none or more than `signFlipMaxPairs`).
        public let pPermutation: Double?
    }

    /// Differences `a[s] - b[s]` over the seeds in both.
    public static func paired(_ a: [Int64: Double], minus b: [Int64: Double]) -> Paired? {
        let seeds = a.keys.filter { b[$0] != nil }.sorted()
        let d = seeds.compactMap { s -> Double? in
            guard let x = a[s], let y = b[s] else { return nil }
            return x - y
        }
        guard let s = summary(d) else { return nil }
        var pT: Double?
        if let std = s.std, std > 0 {
            pT = StudentT.twoSidedP(s.mean / (std / Double(d.count).squareRoot()), df: Double(d.count - 1))
        }
        return Paired(n: d.count, mean: s.mean, std: s.std, ci95: s.ci95, pT: pT, pPermutation: signFlipP(d))
    }

    /// The most pairs `signFlipP` enumerates: 2^40 sign patterns, as two halves of 2^20 sums each.
    public static let signFlipMaxPairs = 40

    /// Exact two-sided sign-flip permutation p-value of the mean of `d`: the share of all 2^n sign
    /// patterns whose sum is at least as far from zero as the observed one (nil for no pairs or more
    /// than `signFlipMaxPairs`).
    ///
    /// Meet in the middle: each half's 2^(n/2) signed sums, sorted, then the pairs of a left and a right
    /// sum beyond the observed one counted with two pointers: O(2^(n/2)) rather than O(n 2^n).
    public static func signFlipP(_ d: [Double]) -> Double? {
        guard !d.isEmpty, d.count <= signFlipMaxPairs else { return nil }
        let threshold = signFlipThreshold(d)
        guard threshold > 0 else { return 1 }
        let left = sortedSignedSums(d[..<(d.count / 2)])    // [2^(n/2)], ascending
        let right = sortedSignedSums(d[(d.count / 2)...])   // [2^(n - n/2)], ascending
        // Pairs with left + right >= threshold: as the left sum grows, the first right sum that reaches
        // the threshold moves down.
        var upper = 0
        var j = right.count
        for l in left {
            while j > 0 && l + right[j - 1] >= threshold { j -= 1 }
            upper += right.count - j
        }
        // Pairs with left + right <= -threshold: as the left sum grows, fewer right sums stay below.
        var lower = 0
        var k = right.count
        for l in left {
            while k > 0 && l + right[k - 1] > -threshold { k -= 1 }
            lower += k
        }
        return Double(upper + lower) / Double(left.count * right.count)
    }

    /// The naive `signFlipP`: every sign pattern summed in turn (the test oracle; n <= 20).
    static func signFlipPByEnumeration(_ d: [Double]) -> Double? {
        guard !d.isEmpty else { return nil }
        precondition(d.count <= 20, "signFlipPByEnumeration enumerates 2^n patterns; n = \(d.count) is too many")
        let threshold = signFlipThreshold(d)
        var extreme = 0
        let patterns = 1 << d.count
        for mask in 0..<patterns {
            var sum = 0.0
            for (i, v) in d.enumerated() { sum += mask & (1 << i) != 0 ? -v : v }
            if abs(sum) >= threshold { extreme += 1 }
        }
        return Double(extreme) / Double(patterns)
    }

    /// How far from zero a pattern's sum must be to count as extreme: the observed |sum|, less a
    /// relative 1e-12 so that a pattern tying it is not lost to rounding (0 or less: every pattern counts).
    private static func signFlipThreshold(_ d: [Double]) -> Double {
        let observed = abs(d.reduce(0, +))
        return observed - 1e-12 * max(1, observed)
    }

    /// All 2^n sums of +-v over `values`, ascending: each value splits the sorted list into the list
    /// minus |v| and the list plus |v|, which merge in one pass.
    private static func sortedSignedSums(_ values: ArraySlice<Double>) -> [Double] {
        var sums = [0.0]
        for v in values {
            let step = abs(v)
            var merged = [Double]()
            merged.reserveCapacity(sums.count * 2)
            var i = 0, j = 0
            while i < sums.count || j < sums.count {
                if j == sums.count || (i < sums.count && sums[i] - step <= sums[j] + step) {
                    merged.append(sums[i] - step)
                    i += 1
                } else {
                    merged.append(sums[j] + step)
                    j += 1
                }
            }
            sums = merged
        }
        return sums
    }

    /// For each weight, the share of bootstrap resamples of the seeds in which it has the highest
    /// mean. Seeds are drawn with replacement from those every weight has (pairing is kept);
    /// `resamples` draws from a fixed seed, so the result is reproducible.
    public static func probabilityBest(_ values: [[Int64: Double]], resamples: Int = 10_000, seed: UInt64 = 20_170_721)
        -> [Double] {
        guard !values.isEmpty else { return [] }
        let shared = values.dropFirst().reduce(Set(values[0].keys)) { $0.intersection($1.keys) }.sorted()
        guard !shared.isEmpty else { return values.map { _ in .nan } }
        var generator = SeededGenerator(seed: seed)
        var wins = [Double](repeating: 0, count: values.count)
        let table = values.map { v in shared.map { v[$0] ?? .nan } }
        var sums = [Double](repeating: 0, count: values.count)
        for _ in 0..<resamples {
            for i in sums.indices { sums[i] = 0 }
            for _ in shared.indices {
                let pick = Int(generator.next() % UInt64(shared.count))
                for w in values.indices { sums[w] += table[w][pick] }
            }
            let best = sums.max() ?? 0
            let winners = sums.indices.filter { sums[$0] == best }
            for w in winners { wins[w] += 1 / Double(winners.count) }
        }
        return wins.map { $0 / Double(resamples) }
    }
}
