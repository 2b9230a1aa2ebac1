import Foundation
import Segmentation

/// A sweep: which aux weights and seeds to train, with one shared training configuration.
///
/// Job identity is (sweep name, aux weight, seed). The data seed is fixed per sweep, so every job
/// sees the same images; the job seed changes only initialisation, batch order and dropout.
public struct SweepSpec: Sendable, Equatable {
    /// Identifies the sweep in the database; safe for file names.
    public var name: String
    /// The weights w of `main + w * aux`, in [0, 1], exact decimals, in file order.
    public var auxWeights: [Double]
    /// The job seeds.
    public var seeds: [UInt64]
    /// Parallel workers (nil: one per available core).
    public var jobs: Int?
    /// Data, model and schedule shared by every job.
    public var config: TrainConfig
    /// Save a resumable checkpoint every this many iterations (0: never).
    public var checkpointEvery: Int

    public init(name: String, auxWeights: [Double], seeds: [UInt64], jobs: Int? = nil,
                config: TrainConfig = TrainConfig(), checkpointEvery: Int = 500) {
        self.name = name
        self.auxWeights = auxWeights
        self.seeds = seeds
        self.jobs = jobs
        self.config = config
        self.checkpointEvery = checkpointEvery
    }

    /// Every job of the sweep, weights outer and seeds inner.
    public var jobKeys: [(auxWeight: Double, seed: UInt64)] {
        auxWeights.flatMap { w in seeds.map { (w, $0) } }
    }

    /// What identifies the sweep's results: everything but the worker count (every field that
    /// changes training, the data kind included), as canonical JSON.
    public var canonicalJSON: String { canonicalJSON(omittingDataKind: false) }

    /// The identity JSON; without the data kind as the first release wrote it.
    func canonicalJSON(omittingDataKind: Bool) -> String {
        struct Identity: Encodable {
            let name: String, aux_weights: [Double], seeds: [UInt64], config: TrainConfig, checkpoint_every: Int
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.userInfo[TrainConfig.Data.omitsDataKind] = omittingDataKind
        let identity = Identity(name: name, aux_weights: auxWeights, seeds: seeds, config: config, checkpoint_every: checkpointEvery)
        guard let data = try? encoder.encode(identity) else { preconditionFailure("a sweep spec always encodes") }
        return String(decoding: data, as: UTF8.self)
    }

    /// A hash of `canonicalJSON` (64-bit FNV-1a, hex): equal for files that differ only in comments,
    /// layout or worker count.
    public var specHash: String { Self.hash(canonicalJSON) }

    /// The hash the first release gave this spec (its identity had no data kind, which was always
    /// "shapes"); nil for any other data. A store upgrades a sweep registered under it.
    public var firstSpecHash: String? {
        let data = config.data
        return data.kind == .full && data.folder == nil && !data.quantized ? Self.hash(canonicalJSON(omittingDataKind: true)) : nil
    }

    /// 64-bit FNV-1a of the UTF-8 bytes, as 16 hex digits.
    static func hash(_ text: String) -> String {
        var hash = FNV1a()
        hash.add(text)
        return hash.hex
    }
}
