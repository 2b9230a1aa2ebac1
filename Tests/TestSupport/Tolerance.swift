import NN

/// The tolerances every numeric test uses, stated once and never loosened per test.
///
/// The error of a result is its largest absolute deviation divided by the largest magnitude of the
/// expected tensor: "relative to the largest magnitude".
///
/// The fixtures these tolerances are checked on are well-conditioned, so a failure means a bug, not
/// rounding: layer inputs that feed a ReLU are kept at least 0.05 (single layers) or 1e-3 (the
/// BasicBlock) from the kink, and in the whole-network fixtures no training-mode ReLU input lies
/// within 1e-4 of its layer's standard deviation of the kink (a float64 forward;
/// `tools/reference/make_model_fixtures.py` shifts batch-norm biases by at most 3.3e-4 to get there).
/// float32 rounding moves those inputs by about 1e-6 of that scale, far less than the margin; a ReLU
/// that flipped sides would let batch norm's backward spread one pixel's gradient over every gradient
/// below it (seen at 2.5e-2 on a random network whose head had an input at 1e-6 of its scale).
/// The batch-norm golden cases include channels whose |mean| is 50-1000 times their spread, with a
/// float64 reference.
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
    /// zero): the measure for whole-network gradients, which sum rounding over many layers.
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
