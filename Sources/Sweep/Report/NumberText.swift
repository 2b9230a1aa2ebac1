import Foundation

/// Numbers as every table of the project shows them (report, status, job listings, dashboard).
public enum NumberText {
    /// Fixed-point text with `digits` decimals; "-" for none and for a value that is not finite.
    public static func fixed(_ v: Double?, _ digits: Int = 4) -> String {
        guard let v, v.isFinite else { return "-" }
        return String(format: "%.\(digits)f", v)
    }
}
