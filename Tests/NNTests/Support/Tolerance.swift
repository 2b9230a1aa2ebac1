import NN

/// The tolerances every numeric test uses, stated once and never loosened per test.
///
/// The error of a result is its largest absolute deviation divided by the largest magnitude of the
/// expected tensor: "relative to the largest magnitude".
enum Tolerance {
    /// Forward values against PyTorch or the naive oracle.
    static let forward: Float = 1e-4
    /// Gradients against PyTorch, the naive oracle, or central differences.
    static let backward: Float = 1e-3

    /// max |actual - expected| / max |expected| (the absolute deviation when expected is all zero).
    static func error(_ actual: Tensor, _ expected: Tensor) -> Float {
        precondition(actual.shape == expected.shape, "compared shapes differ: \(actual.shape) vs \(expected.shape)")
        var deviation: Float = 0
        for i in 0..<actual.count { deviation = max(deviation, abs(actual.data[i] - expected.data[i])) }
        let scale = expected.maxAbs
        return scale > 0 ? deviation / scale : deviation
    }
}
