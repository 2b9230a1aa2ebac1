import Foundation

/// Numbers as the command line's tables show them.
enum NumberText {
    /// Fixed-point text with `digits` decimals; "-" for none.
    static func fixed(_ v: Double?, _ digits: Int = 4) -> String {
        v.map { String(format: "%.\(digits)f", $0) } ?? "-"
    }
}
