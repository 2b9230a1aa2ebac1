import ArgumentParser
import Foundation
import Segmentation
import Sweep

/// `auxsweep work`: one worker on a registered sweep, e.g. one task of a Slurm array.
struct Work: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one worker on a sweep already in the store: claim its jobs one at a time until none is left.",
        discussion: """
            The sweep's spec comes from the store ('auxsweep run' or 'auxsweep submit' put it there), \
            so any number of workers on any machines that reach the store and the checkpoint folder \
            share its jobs; none is run twice. A job whose worker died (kill -9, a lost node) is \
            taken over once its heartbeat is older than the grace its worker promised, and resumes \
            from its checkpoint. SIGTERM (Slurm's time limit or preemption) or Ctrl-C: the worker \
            checkpoints its job, marks it interrupted and exits (143 or 130); the next worker resumes \
            it. Exits 0 when no job is left to claim; in an adaptive sweep it first waits (polling once a \
            second) for the round's last jobs to end, and whoever finds the round over decides it and \
            plans the next. One line per finished job on stderr.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The name of the sweep to work on.")
    var sweep: String

    @Option(help: "oneDNN threads of this worker (its one job at a time uses them).")
    var threads = 1

    @OptionGroup var worker: WorkerOptions

    func validate() throws {
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be in 1...256, got \(threads)") }
    }

    func run() throws {
        try reportingErrors {
            let signals = SignalTrap()
            let stop = StopSignal(alsoWhen: { signals.received })
            let address = try database.address()
            let checkpoints = try worker.checkpointDirectory(for: address)
            let store = try address.open(create: false)
            guard let record = try store.sweep(named: sweep) else { throw StoreError.unknownSweep(sweep) }
            let spec = try SpecParser.parse(record.spec, file: "\(address) (sweep '\(sweep)')")
            // The stored text must still mean the stored spec (nothing is written here: workers
            // starting together must not queue on the sweep's row).
            guard record.specHash == spec.specHash || record.specHash == spec.firstSpecHash else {
                throw StoreError.specChanged(sweep)
            }
            _ = try TrainingData.load(spec.config.data)
            let summaries = try store.jobSummaries(JobFilter(sweep: sweep))
            let open = summaries.filter { !$0.job.status.hasEnded }
            let display = ProgressDisplay(jobs: summaries, workers: 1, iterationsPerJob: spec.config.train.iterations)
            let runner = SweepRunner(spec: spec, store: store, checkpointDirectory: checkpoints, workers: 1,
                                     threadsPerWorker: threads, grace: worker.grace, workerName: Self.workerName(), stop: stop,
                                     onProgress: { display.handle($0) })
            printError("worker \(JobWorker.thisMachine) pid \(getpid()): sweep '\(sweep)', \(open.count) of \(summaries.count) jobs "
                       + "open; \(threads) thread\(threads == 1 ? "" : "s"); database \(address); checkpoints \(runner.sweepCheckpointDirectory.path)")
            let ended = try runner.run()
            display.finish()
            signals.release()
            printError("worker \(JobWorker.thisMachine) pid \(getpid()): \(ended) job\(ended == 1 ? "" : "s") finished here"
                       + (stop.isRaised ? "; stopped by a signal" : "; none left to claim"))
            if stop.isRaised { throw ExitCode(signals.number == SIGTERM ? 143 : 130) }
        }
    }

    /// The worker's name in the store: `slurm:<array job>_<task>` in a Slurm array task (`status`
    /// matches it against the array's tasks), else `work:<pid>`.
    static func workerName(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let job = environment["SLURM_ARRAY_JOB_ID"], let task = environment["SLURM_ARRAY_TASK_ID"] {
            return SlurmTask.workerPrefix + "\(job)_\(task)"
        }
        if let job = environment["SLURM_JOB_ID"] { return SlurmTask.workerPrefix + job }
        return "work:\(getpid())"
    }
}
