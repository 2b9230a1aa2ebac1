import Foundation

/// Mean and sample standard deviation.
public enum Statistics {
    /// The arithmetic mean (nil for no values).
    public static func mean(_ x: [Double]) -> Double? {
        x.isEmpty ? nil : x.reduce(0, +) / Double(x.count)
    }

    /// The standard deviation with n - 1 in the denominator (nil for fewer than two values).
    public static func sampleStandardDeviation(_ x: [Double]) -> Double? {
        guard x.count > 1, let m = mean(x) else { return nil }
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }
}
