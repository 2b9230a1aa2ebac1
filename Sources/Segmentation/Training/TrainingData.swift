import Foundation

/// The training and validation splits a config's data section names: the synthetic task, made on the
/// fly, or a folder data set, decoded once per process and shared by every job of it.
public struct TrainingData: Sendable {
    public let train: any SegmentationDataset
    public let validation: any SegmentationDataset

    /// The splits of `data`, decoding a folder data set unless this process already has; throws a
    /// `DatasetError` naming the first file at fault.
    public static func load(_ data: TrainConfig.Data) throws -> TrainingData {
        guard let folder = data.folder else { return synthetic(data) }
        return try cache.value(for: data) {
            TrainingData(train: try FolderDataset(source: folder, split: folder.trainSplit, size: data.size, role: .training),
                         validation: try FolderDataset(source: folder, split: folder.validationSplit, size: data.size, role: .evaluation))
        }
    }

    /// The splits of `data`; a folder data set must have been loaded with `load` first (commands do
    /// that before any job starts, so that a broken file is one line and exit 2, not a failed job).
    public static func loaded(_ data: TrainConfig.Data) -> TrainingData {
        guard data.folder != nil else { return synthetic(data) }
        guard let loaded = cache.existing(data) else {
            preconditionFailure("folder data is decoded with TrainingData.load before trainers are made")
        }
        return loaded
    }

    static func synthetic(_ data: TrainConfig.Data) -> TrainingData {
        TrainingData(train: ShapesDataset(seed: data.seed, size: data.size, split: .train, count: data.trainImages,
                                          variant: data.kind, quantized: data.quantized),
                     validation: ShapesDataset(seed: data.seed, size: data.size, split: .validation, count: data.valImages,
                                               variant: data.kind, quantized: data.quantized))
    }

    static let cache = Cache()

    /// Loaded folder data by data section (a handful at most), behind a lock; loading holds the lock,
    /// so concurrent workers decode a data set once.
    final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [(key: TrainConfig.Data, value: TrainingData)] = []

        func existing(_ key: TrainConfig.Data) -> TrainingData? {
            lock.withLock { entries.first { $0.key == key }?.value }
        }

        func value(for key: TrainConfig.Data, load: () throws -> TrainingData) throws -> TrainingData {
            try lock.withLock {
                if let found = entries.first(where: { $0.key == key }) { return found.value }
                let value = try load()
                entries.append((key, value))
                return value
            }
        }
    }
}
