import Foundation
import Segmentation

/// A sweep as stored: its name, the spec file's text, the hash of what identifies its results.
public struct SweepRecord: Codable, Sendable, Equatable {
    public var name: String
    public var spec: String
    public var specHash: String
    public var created: Date

    enum CodingKeys: String, CodingKey { case name, spec, specHash = "spec_hash", created }
}

/// The states of a job.
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case pending, running, done, failed, interrupted

    /// Done or failed: no worker claims the job again.
    public var hasEnded: Bool { self == .done || self == .failed }
}

/// One job: a (sweep, aux weight, seed) and where its run stands.
public struct JobRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var sweep: String
    public var auxWeight: Double
    public var seed: Int64
    public var status: JobStatus
    /// How many times a worker has claimed it.
    public var attempt: Int
    public var worker: String?
    public var host: String?
    public var pid: Int64?
    public var heartbeat: Date?
    public var started: Date?
    public var finished: Date?
    public var error: String?
    /// The iteration of the last resumable checkpoint (0: none).
    public var checkpointIteration: Int
    /// The grace period its claimer promised (seconds): the claimer beats well within it, and the job
    /// is taken over only when its heartbeat is older than this (nil: claimed before grace was
    /// recorded; 60 s).
    public var grace: Double?

    enum CodingKeys: String, CodingKey {
        case id, sweep, auxWeight = "aux_weight", seed, status, attempt, worker, host, pid, heartbeat, started, finished,
             error, checkpointIteration = "checkpoint_iteration", grace
    }

    public init(id: Int64? = nil, sweep: String, auxWeight: Double, seed: Int64, status: JobStatus, attempt: Int,
                worker: String? = nil, host: String? = nil, pid: Int64? = nil, heartbeat: Date? = nil, started: Date? = nil,
                finished: Date? = nil, error: String? = nil, checkpointIteration: Int, grace: Double? = nil) {
        self.id = id
        self.sweep = sweep
        self.auxWeight = auxWeight
        self.seed = seed
        self.status = status
        self.attempt = attempt
        self.worker = worker
        self.host = host
        self.pid = pid
        self.heartbeat = heartbeat
        self.started = started
        self.finished = finished
        self.error = error
        self.checkpointIteration = checkpointIteration
        self.grace = grace
    }

    /// The claim this record was handed out under (a stored job's id and its current attempt).
    public var claim: JobClaim {
        guard let id else { preconditionFailure("only a stored job has a claim") }
        return JobClaim(job: id, attempt: attempt)
    }

    /// The grace period that applies to the job's heartbeat.
    public var effectiveGrace: TimeInterval { grace ?? JobWorker.defaultGrace }
}

/// A worker's hold on a job: the job's id and the attempt its claim made. Every write of the job's
/// rows and status names its claim; once another worker has claimed the job again (the attempt moved
/// on) or the job has ended, the write is refused (`StoreError.claimLost`) and nothing is written.
public struct JobClaim: Sendable, Hashable, CustomStringConvertible {
    public let job: Int64
    public let attempt: Int

    public init(job: Int64, attempt: Int) {
        self.job = job
        self.attempt = attempt
    }

    public var description: String { "job \(job) attempt \(attempt)" }
}

/// A step as the stores keep it, in table `steps` (losses and rate widened to Double). Only the stores
/// see rows; they hand out `StepRecord`s.
struct StepRow: Codable, Sendable, Equatable {
    var job: Int64
    var iteration: Int
    var lr: Double
    var mainLoss: Double
    var auxLoss: Double
    var totalLoss: Double

    enum CodingKeys: String, CodingKey {
        case job, iteration, lr, mainLoss = "main_loss", auxLoss = "aux_loss", totalLoss = "total_loss"
    }
}

/// An evaluation as the stores keep it, in table `evals`: per-class IoU as a JSON array (null for
/// absent classes). Only the stores see rows; they hand out `EvaluationRecord`s.
struct EvaluationRow: Codable, Sendable, Equatable {
    var job: Int64
    var iteration: Int
    var miou: Double
    var pixelAcc: Double
    var classIoU: String

    enum CodingKeys: String, CodingKey { case job, iteration, miou, pixelAcc = "pixel_acc", classIoU = "class_iou" }
}

extension StepRow {
    /// A step's row as every store keeps it.
    init(job: Int64, _ step: StepRecord) {
        self.init(job: job, iteration: step.iteration, lr: Double(step.lr), mainLoss: Double(step.mainLoss),
                  auxLoss: Double(step.auxLoss), totalLoss: Double(step.totalLoss))
    }

    /// The step the row keeps (exactly the one written: the losses were Float).
    var record: StepRecord {
        StepRecord(iteration: iteration, lr: Float(lr), mainLoss: Float(mainLoss), auxLoss: Float(auxLoss), totalLoss: Float(totalLoss))
    }
}

extension EvaluationRow {
    /// An evaluation's row as every store keeps it.
    init(job: Int64, _ evaluation: EvaluationRecord) {
        self.init(job: job, iteration: evaluation.iteration, miou: evaluation.miou, pixelAcc: evaluation.pixelAccuracy,
                  classIoU: Self.classIoUText(evaluation.classIoU))
    }

    /// The evaluation the row keeps (per-class IoU to six decimals); a per-class text that does not
    /// read (edited by hand) is `StoreError.corruptEvaluation`.
    func record(location: String) throws -> EvaluationRecord {
        guard let values = try? JSONDecoder().decode([Double?].self, from: Data(classIoU.utf8)) else {
            throw StoreError.corruptEvaluation(location: location, job: job, iteration: iteration, text: classIoU)
        }
        return EvaluationRecord(iteration: iteration, miou: miou, pixelAccuracy: pixelAcc, classIoU: values)
    }

    /// Per-class IoU as every store keeps it: a JSON array with six decimals, null for a class absent
    /// from both prediction and labels.
    static func classIoUText(_ values: [Double?]) -> String {
        "[" + values.map { $0.map { String(format: "%.6f", $0) } ?? "null" }.joined(separator: ",") + "]"
    }
}

extension [Int64: [EvaluationRow]] {
    /// Rows by job as the evaluations they keep.
    func records(location: String) throws -> [Int64: [EvaluationRecord]] {
        try mapValues { try $0.map { try $0.record(location: location) } }
    }
}
