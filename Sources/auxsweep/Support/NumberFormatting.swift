import Foundation

/// Numbers in the command line's tables.
enum ReportFormatter {
    static func number(_ v: Double?, _ digits: Int = 4) -> String {
        v.map { String(format: "%.\(digits)f", $0) } ?? "-"
    }
}
