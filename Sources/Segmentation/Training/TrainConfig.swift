/// Everything one training job needs besides its aux weight and seed: data, model and schedule.
public struct TrainConfig: Sendable, Equatable, Encodable {
    /// The data of the job: the synthetic task (split sizes, image size, and the data seed shared by a
    /// sweep) or, when `folder` is set, a folder data set at that training size.
    public struct Data: Sendable, Equatable, Encodable {
        /// Which synthetic task: "shapes" or its easier demo variant "simple-shapes" (unused with `folder`).
        public var kind = ShapesDataset.Variant.full
        /// Enough that the default schedule sees each training image once (3000 x 16): fresh images
        /// measured +0.07 validation mIoU over 2000 repeated ones at the same cost.
        public var trainImages = 48000
        public var valImages = 500
        /// The side of the square training images (folder data: also the evaluation images' shorter side).
        public var size = 64
        public var seed: UInt64 = 1234
        /// Synthetic images rounded to 8 bits, as an exported folder data set stores them.
        public var quantized = false
        /// Images and masks on disk instead of the synthetic task.
        public var folder: FolderSource?
        public init() {}

        enum CodingKeys: String, CodingKey { case kind, trainImages, valImages, size, seed, quantized, folder }

        /// Encodes what identifies the data: the synthetic task's fields (the data kind left out when
        /// the encoder's `omitsDataKind` user info is true: the sweep identity as the first release
        /// hashed it, before kinds existed; `quantized` only when set), or for folder data the kind
        /// "folder", the size and the folder's identity (not its path).
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            if let folder {
                try container.encode("folder", forKey: .kind)
                try container.encode(size, forKey: .size)
                try container.encode(folder.identity, forKey: .folder)
                return
            }
            if encoder.userInfo[Self.omitsDataKind] as? Bool != true { try container.encode(kind, forKey: .kind) }
            try container.encode(trainImages, forKey: .trainImages)
            try container.encode(valImages, forKey: .valImages)
            try container.encode(size, forKey: .size)
            try container.encode(seed, forKey: .seed)
            if quantized { try container.encode(quantized, forKey: .quantized) }
        }

        /// The user-info key that leaves the data kind out of an encoding.
        public static let omitsDataKind: CodingUserInfoKey = {
            guard let key = CodingUserInfoKey(rawValue: "auxsweep.omitsDataKind") else { preconditionFailure("a valid user-info key") }
            return key
        }()
    }

    /// The SGD schedule.
    public struct Schedule: Sendable, Equatable, Codable {
        /// About 3 minutes on one core; validation mIoU 0.63-0.64 (README).
        public var iterations = 3000
        public var batch = 16
        /// Tuned on the synthetic task (0.02, 0.05, 0.08, 0.1 tried; 0.1 stalls at the start).
        public var baseLR: Float = 0.05
        public var momentum: Float = 0.9
        public var weightDecay: Float = 1e-4
        public var polyPower: Float = 0.9
        /// Evaluate on the validation split every this many iterations (and always at the end).
        public var evalEvery = 500
        public init() {}
    }

    public var data = Data()

    public var model = ModelConfig(classes: ShapesDataset.classCount)
    public var train = Schedule()

    public init() {}
}
