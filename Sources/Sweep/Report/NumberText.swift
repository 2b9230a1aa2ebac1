import Foundation

/// Numbers as every table of the project shows them (report, status, job listings, dashboard).
public enum NumberText {
    /// Fixed-point text with `digits` decimals; "-" for none and for a value that is not finite.
    public static func fixed(_ v: Double?, _ digits: Int = 4) -> String {
        guard let v, v.isFinite else { return "-" }
        return String(format: "%.\(digits)f", v)
    }

    /// Seeds as ranges of consecutive ones: [1, 2, 3, 5, 10, 11] is "1-3, 5, 10-11" (sorted first).
    public static func seeds(_ seeds: [Int64]) -> String {
        var runs: [(first: Int64, last: Int64)] = []
        for seed in seeds.sorted() {
            if let last = runs.last?.last, seed == last + 1 { runs[runs.count - 1].last = seed } else { runs.append((seed, seed)) }
        }
        return runs.map { $0.first == $0.last ? "\($0.first)" : "\($0.first)-\($0.last)" }.joined(separator: ", ")
    }
}
