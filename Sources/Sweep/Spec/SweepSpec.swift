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
    /// The job seeds (of an adaptive sweep: every seed it may run, 0 ..< max).
    public var seeds: [UInt64]
    /// An adaptive sweep's plan (nil: every weight runs every seed).
    public var adaptive: AdaptiveSeeds?
    /// Parallel workers (nil: one per available core).
    public var jobs: Int?
    /// Data, model and schedule shared by every job.
    public var config: TrainConfig
    /// Save a resumable checkpoint every this many iterations (0: never).
    public var checkpointEvery: Int

    public init(name: String, auxWeights: [Double], seeds: [UInt64], adaptive: AdaptiveSeeds? = nil, jobs: Int? = nil,
                config: TrainConfig = TrainConfig(), checkpointEvery: Int = 500) {
        precondition(adaptive.map { seeds == (0..<UInt64($0.max)).map { $0 } } ?? true, "an adaptive sweep's seeds are 0 ..< max")
        self.name = name
        self.auxWeights = auxWeights
        self.seeds = seeds
        self.adaptive = adaptive
        self.jobs = jobs
        self.config = config
        self.checkpointEvery = checkpointEvery
    }

    /// The jobs registering the sweep plans, weights outer and seeds inner: every job, or for an
    /// adaptive sweep its first round's (the store plans the later rounds as it decides them).
    public var jobKeys: [(auxWeight: Double, seed: UInt64)] {
        let planned = adaptive.map { Array(seeds.prefix($0.initial)) } ?? seeds
        return auxWeights.flatMap { w in planned.map { (w, $0) } }
    }

    /// An adaptive sweep's first round (nil for a fixed sweep).
    public var firstRound: SweepRound? {
        adaptive.map { SweepRound(sweep: name, round: 1, seeds: $0.seedCount(round: 1), weights: auxWeights.sorted()) }
    }

    /// What identifies the sweep's results: everything but the worker count (every field that
    /// changes training, the data kind included, and an adaptive plan), as canonical JSON.
    public var canonicalJSON: String { canonicalJSON(omittingDataKind: false) }

    /// The identity JSON; without the data kind as the first release wrote it.
    func canonicalJSON(omittingDataKind: Bool) -> String {
        struct Identity: Encodable {
            let name: String, aux_weights: [Double], seeds: [UInt64], config: TrainConfig, checkpoint_every: Int
            /// Absent for a fixed sweep, whose identity is as before adaptive sweeps existed.
            let adaptive: AdaptiveSeeds?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.userInfo[TrainConfig.Data.omitsDataKind] = omittingDataKind
        let identity = Identity(name: name, aux_weights: auxWeights, seeds: seeds, config: config, checkpoint_every: checkpointEvery,
                                adaptive: adaptive)
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
