/// A job that cannot go on.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss became NaN or infinite at this 0-based iteration.
    case nonFiniteLoss(iteration: Int, loss: Float)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(iteration, loss): "loss is \(loss.isNaN ? "NaN" : "\(loss)") at iteration \(iteration)"
        }
    }
}
