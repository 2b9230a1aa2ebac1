import Foundation

/// Axis ticks at round values: the smallest step of 1, 2 or 5 times a power of ten that gives at most
/// `about` + 1 ticks in the range, every multiple of it inside the range, and labels with as many
/// decimals as the step has (0.54, 0.56, 0.58, not 0.539, 0.570, 0.601).
struct AxisTicks: Equatable {
    let values: [Double]
    /// Decimals of every label.
    let decimals: Int

    init(_ range: ClosedRange<Double>, about count: Int = 5) {
        precondition(count >= 2, "an axis needs at least two ticks")
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else {
            values = [range.lowerBound]
            decimals = 2
            return
        }
        // The smallest round step that gives at most count + 1 ticks.
        var step = pow(10, floor(log10(span / Double(count)))) / 10
        while true {
            if let next = [1.0, 2, 5].map({ $0 * step }).first(where: { Self.count(range, step: $0) <= count + 1 }) {
                step = next
                break
            }
            step *= 10
        }
        decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        // Multiples of the step as integers times it, so 0.3 is 3 x 0.1, not an accumulated sum.
        let (first, last) = Self.multiples(range, step: step)
        values = first <= last ? (first...last).map { Double($0) * step } : [range.lowerBound]
    }

    /// The first and last multiple of `step` inside `range`, as multipliers.
    static func multiples(_ range: ClosedRange<Double>, step: Double) -> (Int, Int) {
        (Int((range.lowerBound / step - 1e-9).rounded(.up)), Int((range.upperBound / step + 1e-9).rounded(.down)))
    }

    static func count(_ range: ClosedRange<Double>, step: Double) -> Int {
        let (first, last) = multiples(range, step: step)
        return last - first + 1
    }

    /// A tick's label.
    func label(_ value: Double) -> String {
        let text = String(format: "%.\(decimals)f", value)
        // "-0.00" reads as a negative number: zero is zero.
        return Double(text) == 0 ? String(format: "%.\(decimals)f", 0.0) : text
    }
}
