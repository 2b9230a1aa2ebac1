import ArgumentParser
import Foundation
import Segmentation
import NN
import Sweep

/// `auxsweep run`: launch or resume a sweep.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Launch or resume a sweep: train every (aux weight, seed) job in parallel.",
        discussion: """
            Plans the jobs of SWEEP.yaml (weights x seeds) in the database, then runs them on parallel \
            workers, one job per worker and one thread per job, recording every step and evaluation. \
            Running the same file again resumes it: done jobs are never rerun, interrupted or crashed \
            ones continue from their last checkpoint (in --checkpoints, by default beside an SQLite \
            database, under the store's id; a file the store does not vouch for is set aside with one \
            line and the job starts from 0). --db takes an SQLite file or a postgresql:// URL; \
            several 'auxsweep run' or 'auxsweep work' processes, on one machine or several, share one \
            store's jobs. Ctrl-C or SIGTERM stops every worker at its next step, which checkpoints its \
            job and marks it interrupted (exit 130). Progress goes to stderr; the \
            ablation report (as 'auxsweep report') to stdout at the end.
            """
    )

    @Argument(help: ArgumentHelp("The sweep file (YAML).", valueName: "SWEEP.yaml"))
    var sweepFile: String

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Parallel workers, one thread each (default: the file's 'jobs', else one per core; more "
                               + "than the cores runs that many threads, sharing them)."))
    var jobs: Int?

    @OptionGroup var worker: WorkerOptions

    @Flag(help: ArgumentHelp("Only register the sweep and its jobs in the store, then exit: 'auxsweep work' processes "
                             + "(on any machines reaching the store) run them."))
    var registerOnly = false

    func validate() throws {
        if let jobs, jobs < 1 || jobs > 256 { throw ValidationError("--jobs must be in 1...256, got \(jobs)") }
    }

    func run() throws {
        try reportingErrors {
            // Everything about the file is checked before the database is created or touched.
            let (spec, text) = try SpecParser.load(path: sweepFile)
            // A folder data set is decoded (and every file checked) before the store is touched.
            _ = try TrainingData.load(spec.config.data)
            // Ctrl-C and SIGTERM become a stop request before anything is written: a signal at any
            // point after this leaves the database consistent and the jobs 'interrupted' or pending.
            let signals = SignalTrap()
            let stop = StopSignal(alsoWhen: { signals.received })
            let address = try database.address()
            // Checked before the store is touched (registering alone needs no checkpoint folder).
            if !registerOnly { _ = try worker.checkpointDirectory(for: address) }
            let store = try address.open(create: true)
            try store.register(spec, text: text)
            if registerOnly {
                let count = try store.jobSummaries(JobFilter(sweep: spec.name)).count
                printLine("sweep '\(spec.name)': \(count) jobs registered in \(address); run them with "
                          + "'auxsweep work --sweep \(spec.name)' (same --db and --checkpoints)")
                return
            }
            let checkpoints = try worker.checkpointDirectory(for: address)
            let summaries = try store.jobSummaries(JobFilter(sweep: spec.name))
            let open = summaries.filter { !$0.job.status.hasEnded }
            let requested = jobs ?? spec.jobs ?? ProcessInfo.processInfo.activeProcessorCount
            // An adaptive sweep may plan more jobs than are open now.
            let workers = spec.adaptive == nil ? max(1, min(requested, max(open.count, 1))) : requested
            let display = ProgressDisplay(jobs: summaries, workers: workers, iterationsPerJob: spec.config.train.iterations)
            let runner = SweepRunner(spec: spec, store: store, checkpointDirectory: checkpoints, workers: workers,
                                     grace: worker.grace, stop: stop, onProgress: { display.handle($0) })
            let shape = spec.adaptive.map { "adaptive: \(spec.auxWeights.count) weights, seeds \($0.initial) + \($0.step) per round up to \($0.max)" }
                ?? "\(spec.auxWeights.count) weights x \(spec.seeds.count) seeds"
            printError("sweep '\(spec.name)': \(summaries.count) jobs (\(shape)), "
                       + "\(summaries.count - open.count) already finished; \(workers) worker\(workers == 1 ? "" : "s"); database \(address); "
                       + "checkpoints \(runner.sweepCheckpointDirectory.path)")
            try runner.run()
            display.finish()
            signals.release()

            printLine(try store.ablationReport(sweep: spec.name).rendered(.table))
            let unfinished = try store.jobSummaries(JobFilter(sweep: spec.name)).contains { [.interrupted, .pending].contains($0.job.status) }
            if stop.isRaised && unfinished {
                printError("interrupted: jobs were marked 'interrupted'; run the same command again to resume")
                throw ExitCode(130)
            }
        }
    }
}
