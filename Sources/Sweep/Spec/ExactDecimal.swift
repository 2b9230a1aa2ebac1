import Foundation

/// A decimal number held exactly as an integer count of 10^-scale, so that weight ranges step
/// exactly (0.1, 0.2, 0.3 ... never 0.30000000000000004).
struct ExactDecimal: Equatable, Comparable {
    let units: Int
    let scale: Int

    /// Parses plain decimal text ("0", "1", "0.25", "-0.1"); nil for anything else (exponents too).
    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let negative = trimmed.hasPrefix("-")
        let body = negative ? String(trimmed.dropFirst()) : trimmed
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty || parts.count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              parts.count == 1 || !parts[1].isEmpty, body.count <= 18 else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard let value = Int((parts[0].isEmpty ? "0" : String(parts[0])) + fraction) else { return nil }
        units = negative ? -value : value
        scale = fraction.count
    }

    init(units: Int, scale: Int) {
        self.units = units
        self.scale = scale
    }

    /// The same value with `scale` decimals (scale must not shrink).
    func rescaled(to newScale: Int) -> ExactDecimal {
        var u = units
        for _ in scale..<newScale { u *= 10 }
        return ExactDecimal(units: u, scale: newScale)
    }

    /// Canonical text: no trailing zeros beyond one decimal ("0.3", "1.0", "0.25").
    var text: String {
        let magnitude = abs(units)
        var digits = String(magnitude)
        if scale > 0 {
            while digits.count <= scale { digits = "0" + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
            while digits.hasSuffix("0") && !digits.hasSuffix(".0") { digits.removeLast() }
        } else {
            digits += ".0"
        }
        return (units < 0 ? "-" : "") + digits
    }

    /// The nearest double to the exact value.
    var double: Double { Double(text) ?? .nan }

    static func < (a: ExactDecimal, b: ExactDecimal) -> Bool {
        let s = max(a.scale, b.scale)
        return a.rescaled(to: s).units < b.rescaled(to: s).units
    }
}
