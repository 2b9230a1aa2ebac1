import Foundation

/// The "poly" learning-rate schedule of PSPNet/semseg: base * (1 - iteration / maxIterations)^power.
public struct PolyLearningRate: Sendable, Equatable {
    public let base: Float
    public let maxIterations: Int
    public let power: Float

    public init(base: Float, maxIterations: Int, power: Float = 0.9) {
        precondition(maxIterations > 0, "poly schedule needs a positive iteration count")
        self.base = base
        self.maxIterations = maxIterations
        self.power = power
    }

    /// The learning rate at 0-based `iteration` (computed in double precision, rounded once).
    public func rate(at iteration: Int) -> Float {
        let fraction = 1 - Double(iteration) / Double(maxIterations)
        return Float(Double(base) * pow(max(fraction, 0), Double(power)))
    }
}
