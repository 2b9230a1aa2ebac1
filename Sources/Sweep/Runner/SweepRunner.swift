import Foundation
import NN
import Segmentation

/// Runs a sweep's jobs on parallel workers (one thread per worker, each running one job at a time with
/// its own oneDNN thread count), recording every step and evaluation in the store and checkpointing so
/// that any job can be resumed bit for bit after a crash. `auxsweep run` (a local pool) and `auxsweep
/// work` (one worker of many, e.g. a Slurm array task) both run their jobs here.
///
/// Every write of a job's rows names the claim its worker holds (`JobClaim`); a heartbeat timer keeps
/// the claims live, also during evaluations. A worker whose claim was taken over (its heartbeat went
/// stale, and another worker claimed the job) writes no more rows and stops that job at its next
/// write or step, and goes on claiming. (Its checkpoint file is not fenced: between its last write
/// and that point it may still replace the job's file, with the same bytes the new owner would write
/// there, since training is deterministic; `prepare` checks any file against the rows.)
///
/// A job resumes from its checkpoint file only when the database vouches for the file: its identity
/// (store id, sweep, spec hash, job, weight, seed, core version) is the job's, its iteration is not
/// before the one the job's row records (it is ahead after a kill between writing the file and
/// recording it), and the job's step rows before it are all there (rows are written before files). Any other file is moved aside with
/// one line of progress, and the job starts from 0.
public final class SweepRunner: Sendable {
    /// Makes the job for a (config, aux weight, seed): a `Trainer`, or in tests a job that fails on cue.
    public typealias JobFactory = @Sendable (_ config: TrainConfig, _ auxWeight: Float, _ seed: UInt64) -> any TrainingJob

    /// The factory of real jobs.
    public static let trainers: JobFactory = { config, auxWeight, seed in
        Trainer(config: config, auxWeight: auxWeight, seed: seed)
    }

    public let spec: SweepSpec
    public let store: any ResultsStore
    /// Where checkpoints go: `<dir>/<store id>/<sweep>/w<weight>-s<seed>.safetensors` (the store id
    /// keeps two databases beside each other from ever sharing a file).
    public let checkpointDirectory: URL
    public let workers: Int
    /// oneDNN threads of each worker.
    public let threadsPerWorker: Int
    /// The grace period the workers promise (their heartbeat interval follows from it).
    public let grace: TimeInterval
    /// The workers' names in the store: `<prefix>-<index>` (several workers) or the prefix (one).
    public let workerName: String
    let stop: StopSignal
    let makeJob: JobFactory
    let onProgress: @Sendable (SweepProgress) -> Void
    /// Rows are written at least this often, at every checkpoint and when the job ends (an evaluation
    /// waits for the next of these).
    static let flushInterval: TimeInterval = 2

    public init(spec: SweepSpec, store: any ResultsStore, checkpointDirectory: URL, workers: Int, threadsPerWorker: Int = 1,
                grace: TimeInterval = JobWorker.defaultGrace, workerName: String = "worker", stop: StopSignal,
                makeJob: @escaping JobFactory = SweepRunner.trainers,
                onProgress: @escaping @Sendable (SweepProgress) -> Void) {
        precondition(workers >= 1, "a sweep needs at least one worker")
        precondition(threadsPerWorker >= 1, "a worker needs at least one thread")
        self.spec = spec
        self.store = store
        self.checkpointDirectory = checkpointDirectory
        self.workers = workers
        self.threadsPerWorker = threadsPerWorker
        self.grace = grace
        self.workerName = workerName
        self.stop = stop
        self.makeJob = makeJob
        self.onProgress = onProgress
    }

    /// Runs until every job is done or failed, or a stop is raised; returns the number of jobs this
    /// runner ran to their end (done or failed). Errors of the store stop the worker that met them and
    /// are rethrown once the others have finished.
    @discardableResult
    public func run() throws -> Int {
        try FileManager.default.createDirectory(at: sweepCheckpointDirectory, withIntermediateDirectories: true)
        let firstError = Locked<(any Error)?>(nil)
        let ended = Locked(0)
        let heartbeats = HeartbeatTimer(store: store, interval: JobWorker.heartbeatInterval(grace: grace))
        heartbeats.start()
        defer { heartbeats.stop() }
        // One real thread per worker (Dispatch's concurrentPerform would cap them at the core count).
        let group = DispatchGroup()
        for index in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                Compute.setThreads(threadsPerWorker)
                let worker = JobWorker(name: workers == 1 ? workerName : "\(workerName)-\(index)", grace: grace)
                do {
                    while !stop.isRaised, let job = try nextJob(worker: worker, index: index) {
                        let claim = job.claim
                        heartbeats.hold(claim)
                        defer { heartbeats.release(claim) }
                        do {
                            if try runJob(job, worker: index, heartbeats: heartbeats) { ended.withLock { $0 += 1 } }
                        } catch StoreError.claimLost(let lost) {
                            onProgress(.claimLost(worker: index, job: JobKey(auxWeight: job.auxWeight, seed: job.seed), claim: lost))
                        }
                    }
                } catch {
                    firstError.withLock { if $0 == nil { $0 = error } }
                    stop.raise()
                }
            }
            thread.name = "auxsweep worker \(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        if let error = firstError.value { throw error }
        return ended.value
    }

    /// The next job for `worker`, or nil when the sweep needs no more (or a stop is raised). With
    /// nothing to claim, an adaptive sweep may still plan a round: the store decides the current one
    /// once all its jobs have ended (whichever worker gets there first), and this worker waits,
    /// polling every `roundPoll` seconds, while others still run jobs of it.
    func nextJob(worker: JobWorker, index: Int) throws -> JobRecord? {
        while !stop.isRaised {
            if let job = try store.claim(sweep: spec.name, worker: worker) { return job }
            switch try store.advanceRounds(sweep: spec.name) {
            case .finished: return nil
            case .planned(let round, let jobs): try announceDecision(of: round - 1, newJobs: jobs)
            case .stopped(let round):
                try announceDecision(of: round, newJobs: 0)
                return nil
            case .waiting: stop.wait(seconds: Self.roundPoll)
            }
        }
        return nil
    }

    /// Reports the decision of round `round`, which this worker's call just took.
    func announceDecision(of round: Int, newJobs: Int) throws {
        if let decided = try store.adaptiveState(sweep: spec.name)?.rounds.first(where: { $0.round == round }) {
            onProgress(.roundDecided(decided, newJobs: newJobs))
        }
    }

    /// How often a worker waiting for a round's last jobs looks again (seconds).
    static let roundPoll: TimeInterval = 1

    /// The folder of this sweep's checkpoints in this store.
    public var sweepCheckpointDirectory: URL {
        checkpointDirectory.appendingPathComponent(store.id).appendingPathComponent(spec.name)
    }

    /// The checkpoint file of a job.
    public func checkpointPath(auxWeight: Double, seed: Int64) -> String {
        sweepCheckpointDirectory.appendingPathComponent(Self.checkpointName(auxWeight: auxWeight, seed: seed)).path
    }

    /// A job's checkpoint file name: `w<weight>-s<seed>.safetensors`.
    static func checkpointName(auxWeight: Double, seed: Int64) -> String { "w\(auxWeight)-s\(seed).safetensors" }

    /// The identity a job's checkpoint carries.
    func identity(of job: JobRecord, id: Int64) -> CheckpointIdentity {
        CheckpointIdentity(storeID: store.id, sweep: spec.name, specHash: spec.specHash, jobID: id,
                           auxWeight: job.auxWeight, seed: job.seed)
    }

    /// The job's training state: resumed from its checkpoint when the database vouches for the file,
    /// else fresh (a file it does not vouch for is moved aside and reported).
    func prepare(_ job: JobRecord, id: Int64, key: JobKey, worker: Int) throws -> any TrainingJob {
        let config = spec.config, weight = Float(job.auxWeight), seed = UInt64(job.seed)
        let path = checkpointPath(auxWeight: job.auxWeight, seed: job.seed)
        guard FileManager.default.fileExists(atPath: path) else {
            // The first release kept checkpoints without a store id in the path, and without an identity.
            let legacy = checkpointDirectory.appendingPathComponent(spec.name)
                .appendingPathComponent(Self.checkpointName(auxWeight: job.auxWeight, seed: job.seed)).path
            if FileManager.default.fileExists(atPath: legacy) {
                return setAside(legacy, reason: "it is in the first release's place, without an identity", job: key, worker: worker)
            }
            if job.checkpointIteration > 0 {
                onProgress(.checkpointMissing(worker: worker, job: key, path: path, iteration: job.checkpointIteration))
            }
            return makeJob(config, weight, seed)
        }
        let file: SafeTensors.File
        do {
            file = try SafeTensors.read(path: path)
        } catch {
            return setAside(path, reason: "it does not read (\(error))", job: key, worker: worker)
        }
        if let mismatch = identity(of: job, id: id).mismatch(in: file.metadata) {
            return setAside(path, reason: mismatch, job: key, worker: worker)
        }
        // The file may run ahead of the recorded iteration (killed between writing the file and
        // recording it, at a periodic checkpoint or at a stop's), never behind it; its rows decide.
        let recorded = job.checkpointIteration
        guard let iteration = file.metadata["iteration"].flatMap({ Int($0) }), iteration >= recorded else {
            return setAside(path, reason: "its iteration \(file.metadata["iteration"] ?? "?") is before the job's "
                            + "recorded checkpoint (\(recorded))", job: key, worker: worker)
        }
        let rows = try store.stepCount(job: id, before: iteration)
        guard rows == iteration else {
            return setAside(path, reason: "the database holds \(rows) step rows before its iteration \(iteration)",
                            job: key, worker: worker)
        }
        let trainer = makeJob(config, weight, seed)
        do {
            try trainer.restoreCheckpoint(from: file, path: path)
            return trainer
        } catch {
            return setAside(path, reason: "it does not restore (\(error))", job: key, worker: worker)
        }
    }

    /// Moves a checkpoint the database does not vouch for out of the job's way (it may belong to
    /// another database, or be damaged), reports it, and returns a fresh job. A file that cannot be
    /// moved stays where it is and is overwritten by the job's next checkpoint.
    func setAside(_ path: String, reason: String, job key: JobKey, worker: Int) -> any TrainingJob {
        let base = path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path
        let target = "\(base).set-aside-\(UUID().uuidString.prefix(8).lowercased()).safetensors"
        let moved = (try? FileManager.default.moveItem(atPath: path, toPath: target)) != nil
        onProgress(.checkpointSetAside(worker: worker, job: key, path: path, movedTo: moved ? target : nil, reason: reason))
        return makeJob(spec.config, Float(key.auxWeight), UInt64(key.seed))
    }

    /// Runs one claimed job until it ends, a stop is raised (checkpoint, then 'interrupted') or its
    /// claim is lost (`StoreError.claimLost`, nothing written). Returns whether the job ended (done or
    /// failed).
    func runJob(_ job: JobRecord, worker: Int, heartbeats: HeartbeatTimer) throws -> Bool {
        let (id, claim) = (job.claim.job, job.claim)
        let key = JobKey(auxWeight: job.auxWeight, seed: job.seed)
        let trainer = try prepare(job, id: id, key: key, worker: worker)
        let checkpoint = checkpointPath(auxWeight: job.auxWeight, seed: job.seed)
        let metadata = identity(of: job, id: id).metadata
        // Rows from the resumed point on are replayed below: remove them so nothing is duplicated.
        try store.rewind(claim, to: trainer.iteration)
        onProgress(.started(worker: worker, job: key, attempt: job.attempt, fromIteration: trainer.iteration))

        var steps: [StepRecord] = [], evaluations: [EvaluationRecord] = []
        var lastFlush = Date()
        var checkpointed = trainer.iteration
        func flush(status: JobStatus? = nil, error: String? = nil, checkpointIteration: Int? = nil) throws {
            try store.record(claim, steps: steps, evaluations: evaluations, status: status, error: error,
                             checkpointIteration: checkpointIteration)
            steps.removeAll(keepingCapacity: true)
            evaluations.removeAll()
            lastFlush = Date()
        }
        /// Rows first, then the file, then the file's iteration: a checkpoint never runs ahead of the
        /// rows it follows, and a kill between any two leaves a state `prepare` accepts or sets aside.
        func checkpointNow(status: JobStatus? = nil) throws {
            try flush()
            if heartbeats.isLost(claim) { throw StoreError.claimLost(claim) }
            try trainer.saveCheckpoint(to: checkpoint, metadata: metadata)
            try flush(status: status, checkpointIteration: trainer.iteration)
            checkpointed = trainer.iteration
        }

        while !trainer.isFinished {
            if heartbeats.isLost(claim) { throw StoreError.claimLost(claim) }
            if stop.isRaised {
                // Preemption, a time limit or Ctrl-C: keep every step done so far.
                if trainer.iteration > checkpointed {
                    try checkpointNow(status: .interrupted)
                } else {
                    try flush(status: .interrupted)
                }
                onProgress(.finished(worker: worker, job: key, status: .interrupted, miou: nil, error: nil))
                return false
            }
            let record: StepRecord
            do {
                record = try trainer.step()
            } catch let error as TrainingError {
                try flush(status: .failed, error: error.description)
                onProgress(.finished(worker: worker, job: key, status: .failed, miou: nil, error: error.description))
                return true
            }
            steps.append(record)
            onProgress(.step(worker: worker, job: key, iteration: trainer.iteration, of: spec.config.train.iterations,
                             loss: record.totalLoss))
            if trainer.evaluationDue {
                let evaluation = trainer.evaluate()
                evaluations.append(evaluation)
                if trainer.isFinished {
                    // The final evaluation among the rows, then the file, then done.
                    try checkpointNow(status: .done)
                    onProgress(.finished(worker: worker, job: key, status: .done, miou: evaluation.miou, error: nil))
                    return true
                }
            }
            if spec.checkpointEvery > 0 && trainer.iteration % spec.checkpointEvery == 0 {
                try checkpointNow()
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
        onProgress(.finished(worker: worker, job: key, status: .done, miou: evaluation.miou, error: nil))
        return true
    }
}
