import Foundation
import NN
import Segmentation

/// Runs a sweep's jobs on parallel workers (Dispatch, one job per worker thread, one oneDNN thread
/// each), recording every step and evaluation in the store and checkpointing so that any job can be
/// resumed bit for bit after a crash.
public final class SweepRunner: Sendable {
    public let spec: SweepSpec
    public let store: ResultsStore
    /// Where resumable checkpoints go: `<dir>/<sweep>/w<weight>-s<seed>.safetensors`.
    public let checkpointDirectory: URL
    public let workers: Int
    let stop: StopSignal
    let onProgress: @Sendable (SweepProgress) -> Void
    /// Rows are written at least this often (and at every checkpoint and evaluation).
    static let flushInterval: TimeInterval = 2

    public init(spec: SweepSpec, store: ResultsStore, checkpointDirectory: URL, workers: Int, stop: StopSignal,
                onProgress: @escaping @Sendable (SweepProgress) -> Void) {
        precondition(workers >= 1, "a sweep needs at least one worker")
        self.spec = spec
        self.store = store
        self.checkpointDirectory = checkpointDirectory
        self.workers = workers
        self.stop = stop
        self.onProgress = onProgress
    }

    /// Runs until every job is done or failed, or a stop is raised. Errors of the store stop the
    /// worker that met them and are rethrown once the others have finished.
    public func run() throws {
        try FileManager.default.createDirectory(at: checkpointDirectory.appendingPathComponent(spec.name),
                                                withIntermediateDirectories: true)
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: workers) { index in
            Compute.setThreads(1)
            let worker = ResultsStore.Worker(name: "worker-\(index)")
            do {
                while !stop.isRaised, let job = try store.claim(sweep: spec.name, worker: worker) {
                    try runJob(job, worker: index)
                }
            } catch {
                errors.record(error)
                stop.raise()
            }
        }
        if let error = errors.first { throw error }
    }

    /// The checkpoint file of a job.
    public func checkpointPath(auxWeight: Double, seed: Int64) -> String {
        checkpointDirectory.appendingPathComponent(spec.name)
            .appendingPathComponent("w\(auxWeight)-s\(seed).safetensors").path
    }

    func runJob(_ job: JobRecord, worker: Int) throws {
        guard let id = job.id else { preconditionFailure("a stored job has an id") }
        let key = JobKey(auxWeight: job.auxWeight, seed: job.seed)
        let trainer = Trainer(config: spec.config, auxWeight: Float(job.auxWeight), seed: UInt64(job.seed))
        let checkpoint = checkpointPath(auxWeight: job.auxWeight, seed: job.seed)
        if FileManager.default.fileExists(atPath: checkpoint) {
            do {
                try trainer.restoreCheckpoint(from: checkpoint)
            } catch {
                // A checkpoint that does not restore (foreign or damaged) is ignored: start over.
                try? FileManager.default.removeItem(atPath: checkpoint)
                return try runJob(job, worker: worker)
            }
        }
        // Rows past the restored point are replayed below: remove them so nothing is duplicated.
        try store.truncate(job: id, after: trainer.iteration)
        onProgress(.started(worker: worker, job: key, attempt: job.attempt, fromIteration: trainer.iteration))

        var steps: [StepRecord] = [], evaluations: [EvaluationRecord] = []
        var lastFlush = Date()
        func flush(status: JobStatus? = nil, error: String? = nil, checkpointIteration: Int? = nil) throws {
            try store.record(job: id, steps: steps, evaluations: evaluations, status: status, error: error,
                             checkpointIteration: checkpointIteration)
            steps.removeAll(keepingCapacity: true)
            evaluations.removeAll()
            lastFlush = Date()
        }

        while !trainer.isFinished {
            if stop.isRaised {
                try flush(status: .interrupted)
                onProgress(.finished(worker: worker, job: key, status: .interrupted, miou: nil, error: nil))
                return
            }
            let record: StepRecord
            do {
                record = try trainer.step()
            } catch let error as TrainingError {
                try flush(status: .failed, error: error.description)
                onProgress(.finished(worker: worker, job: key, status: .failed, miou: nil, error: error.description))
                return
            }
            steps.append(record)
            onProgress(.step(worker: worker, job: key, iteration: trainer.iteration, of: spec.config.train.iterations,
                             loss: record.totalLoss))
            if trainer.evaluationDue {
                let evaluation = trainer.evaluate()
                evaluations.append(evaluation)
                if trainer.isFinished {
                    // Rows first (the final evaluation among them), then the file, then done: a
                    // kill between any two leaves rows no checkpoint has run ahead of.
                    try flush()
                    try trainer.saveCheckpoint(to: checkpoint)
                    try flush(status: .done, checkpointIteration: trainer.iteration)
                    onProgress(.finished(worker: worker, job: key, status: .done, miou: evaluation.meanIoU, error: nil))
                    return
                }
            }
            if spec.checkpointEvery > 0 && trainer.iteration % spec.checkpointEvery == 0 {
                // Rows first, then the file: a checkpoint never runs ahead of the rows it follows.
                try flush()
                try trainer.saveCheckpoint(to: checkpoint)
                try flush(checkpointIteration: trainer.iteration)
            } else if steps.count >= 200 || Date().timeIntervalSince(lastFlush) >= Self.flushInterval {
                try flush()
            }
        }
        // Restored from a final checkpoint whose job was never marked done (killed in between): its
        // rows are in place (they are written before the file); evaluating again gives the same
        // numbers, and the evaluation row is replaced, not duplicated.
        let evaluation = trainer.evaluate()
        evaluations.append(evaluation)
        try flush(status: .done, checkpointIteration: trainer.iteration)
        onProgress(.finished(worker: worker, job: key, status: .done, miou: evaluation.meanIoU, error: nil))
    }
}

/// The first error any worker met.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func record(_ error: Error) { lock.withLock { errors.append(error) } }
    var first: Error? { lock.withLock { errors.first } }
}
