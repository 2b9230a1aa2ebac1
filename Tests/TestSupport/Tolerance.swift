import NN

/// The tolerances every numeric test uses, stated once and never loosened per test.
///
/// The error of a result is its largest absolute deviation divided by the largest magnitude of the
/// expected tensor: "relative to the largest magnitude".
public enum Tolerance {
    /// Forward values against PyTorch or the naive oracle.
    public static let forward: Float = 1e-4
    /// Gradients against PyTorch, the naive oracle, or central differences.
    public static let backward: Float = 1e-3

    /// max |actual - expected| / max |expected| (the absolute deviation when expected is all zero).
    public static func error(_ actual: Tensor, _ expected: Tensor) -> Float {
        precondition(actual.shape == expected.shape, "compared shapes differ: \(actual.shape) vs \(expected.shape)")
        var deviation: Float = 0
        for i in 0..<actual.count { deviation = max(deviation, abs(actual.data[i] - expected.data[i])) }
        let scale = expected.maxAbs
        return scale > 0 ? deviation / scale : deviation
    }

    /// ||actual - expected|| / ||expected|| (L2 over the whole tensor; ||actual|| when expected is all
    /// zero): the measure for whole-network gradients, where single elements near a ReLU kink may
    /// legitimately differ.
    public static func relativeL2(_ actual: Tensor, _ expected: Tensor) -> Float {
        precondition(actual.shape == expected.shape, "compared shapes differ: \(actual.shape) vs \(expected.shape)")
        var difference = 0.0, norm = 0.0
        for i in 0..<actual.count {
            let d = Double(actual.data[i]) - Double(expected.data[i])
            difference += d * d
            norm += Double(expected.data[i]) * Double(expected.data[i])
        }
        return Float(norm > 0 ? (difference / norm).squareRoot() : difference.squareRoot())
    }
}
