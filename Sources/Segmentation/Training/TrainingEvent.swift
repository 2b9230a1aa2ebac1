/// What a training job reports as it runs: one event per step and one per evaluation.
public enum TrainingEvent: Sendable {
    /// One SGD step: 0-based iteration, learning rate, and the losses of its batch.
    case step(StepRecord)
    /// One evaluation on the validation split after `iteration` steps.
    case evaluation(EvaluationRecord)
}
