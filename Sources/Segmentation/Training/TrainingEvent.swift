/// What a training job reports as it runs: one event per step and one per evaluation.
public enum TrainingEvent: Sendable {
    /// One SGD step: 0-based iteration, learning rate, and the losses of its batch.
    case step(StepRecord)
    /// One evaluation on the validation split after `iteration` steps.
    case evaluation(EvaluationRecord)
}

/// The losses of one step.
public struct StepRecord: Sendable, Equatable, Codable {
    public let iteration: Int
    public let lr: Float
    public let mainLoss: Float
    public let auxLoss: Float
    public let totalLoss: Float

    public init(iteration: Int, lr: Float, mainLoss: Float, auxLoss: Float, totalLoss: Float) {
        self.iteration = iteration
        self.lr = lr
        self.mainLoss = mainLoss
        self.auxLoss = auxLoss
        self.totalLoss = totalLoss
    }
}

/// The validation metrics after a number of steps.
public struct EvaluationRecord: Sendable, Equatable, Codable {
    public let iteration: Int
    public let miou: Double
    public let pixelAccuracy: Double
    /// IoU per class; nil where the class is in neither truth nor prediction.
    public let classIoU: [Double?]

    /// Keys as the stores' columns name them (`pixel_acc`, `class_iou`).
    enum CodingKeys: String, CodingKey { case iteration, miou, pixelAccuracy = "pixel_acc", classIoU = "class_iou" }

    public init(iteration: Int, miou: Double, pixelAccuracy: Double, classIoU: [Double?]) {
        self.iteration = iteration
        self.miou = miou
        self.pixelAccuracy = pixelAccuracy
        self.classIoU = classIoU
    }
}

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
