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
