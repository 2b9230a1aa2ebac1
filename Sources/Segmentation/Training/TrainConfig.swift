/// Everything one training job needs besides its aux weight and seed: data, model and schedule.
public struct TrainConfig: Sendable, Equatable, Codable {
    /// The synthetic data of the job: split sizes, image size, and the data seed shared by a sweep.
    public struct Data: Sendable, Equatable, Codable {
        public var trainImages = 2000
        public var valImages = 500
        public var size = 64
        public var seed: UInt64 = 1234
        public init() {}
    }

    /// The SGD schedule.
    public struct Schedule: Sendable, Equatable, Codable {
        public var iterations = 1000
        public var batch = 16
        public var baseLR: Float = 0.01
        public var momentum: Float = 0.9
        public var weightDecay: Float = 1e-4
        public var polyPower: Float = 0.9
        /// Evaluate on the validation split every this many iterations (and always at the end).
        public var evalEvery = 250
        public init() {}
    }

    public var data = Data()
    public var model = ModelConfig(classes: ShapesDataset.classCount)
    public var train = Schedule()

    public init() {}
}
