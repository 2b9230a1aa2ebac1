import NN

/// Who a sweep job's resumable checkpoint belongs to, recorded in the file's metadata.
///
/// A runner restores a checkpoint only when its identity is the job's own: the same database (its
/// store id), sweep, spec hash, job row, aux weight and seed, written by the same numeric core. The
/// iteration is checked separately against the job's row (`SweepRunner.prepare`).
public struct CheckpointIdentity: Sendable, Equatable {
    public var storeID: String
    public var sweep: String
    public var specHash: String
    public var jobID: Int64
    public var auxWeight: Double
    public var seed: Int64
    public var coreVersion: String

    public init(storeID: String, sweep: String, specHash: String, jobID: Int64, auxWeight: Double, seed: Int64,
                coreVersion: String = CoreVersion.current) {
        self.storeID = storeID
        self.sweep = sweep
        self.specHash = specHash
        self.jobID = jobID
        self.auxWeight = auxWeight
        self.seed = seed
        self.coreVersion = coreVersion
    }

    /// The metadata keys and values, in the order a mismatch is reported.
    var fields: [(key: String, value: String)] {
        [("auxsweep.store", storeID), ("auxsweep.sweep", sweep), ("auxsweep.spec_hash", specHash),
         ("auxsweep.job", "\(jobID)"), ("auxsweep.aux_weight", "\(auxWeight)"), ("auxsweep.seed", "\(seed)"),
         ("auxsweep.core", coreVersion)]
    }

    /// The identity as checkpoint metadata.
    public var metadata: [String: String] { Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) }) }

    /// Why a file with `metadata` is not this identity's (the first field that differs), or nil.
    public func mismatch(in metadata: [String: String]) -> String? {
        for (key, value) in fields where metadata[key] != value {
            guard let found = metadata[key] else { return "it has no \(key) (not written by this version of auxsweep)" }
            return "its \(key) is \(found), this job's is \(value)"
        }
        return nil
    }
}
