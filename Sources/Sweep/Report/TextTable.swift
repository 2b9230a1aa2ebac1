import Foundation

/// Plain aligned text tables, Markdown tables and CSV.
public enum TextTable {
    /// Columns padded to their widest cell, two spaces apart. A column whose cells are mostly numbers
    /// (cells "-", none, left out of the count) is right-aligned, header included, unless listed in
    /// `leftAligned`.
    public static func render(header: [String], rows: [[String]], leftAligned: Set<Int> = []) -> String {
        let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        let rightAligned = header.indices.map { c in
            let cells = rows.map { $0[c] }.filter { !$0.isEmpty && $0 != "-" }
            return !leftAligned.contains(c) && !cells.isEmpty && cells.filter(isNumeric).count * 2 > cells.count
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return rightAligned[c] ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
                + rows.map(line)).joined(separator: "\n")
    }

    /// A GitHub-flavoured Markdown table (pipes in cells escaped).
    public static func markdown(header: [String], rows: [[String]]) -> String {
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        return ([line(header), "|" + header.map { _ in "---|" }.joined()] + rows.map(line)).joined(separator: "\n")
    }

    /// RFC 4180 CSV: fields with commas, quotes or newlines are quoted.
    public static func csv(header: [String], rows: [[String]]) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n")
    }

    static func isNumeric(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" }
            && s.contains(where: \.isNumber)
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
