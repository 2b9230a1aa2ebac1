import ArgumentParser
import Foundation
import Segmentation
import Sweep

/// `auxsweep submit`: a sweep as a Slurm job array of `auxsweep work` workers.
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a sweep on a Slurm cluster: register it in a PostgreSQL store and submit a job array of workers.",
        discussion: """
            Registers SWEEP.yaml in the store (as 'auxsweep run' does), writes the batch script to \
            results/slurm/<sweep>/submit-<n>.sh and submits it: one job array of --workers tasks, each \
            task one 'auxsweep work' worker with --threads CPUs, claiming jobs until none is left. An \
            array larger than the cluster's MaxArraySize is split into several. The store's URL reaches \
            the tasks through AUXSWEEP_DB in their environment, never through the script. Slurm sends \
            SIGTERM 120 s before the time limit (and on preemption; the tasks may be requeued): the \
            worker checkpoints its job, marks it interrupted and exits, and the next worker resumes it \
            bit for bit. A cancelled or lost task loses nothing: its job is taken over once its \
            heartbeat is older than --grace. Submit again to add workers; 'auxsweep status SWEEP' shows \
            the jobs and the array's tasks. --dry-run prints the script(s) and changes nothing.
            """
    )

    @Argument(help: ArgumentHelp("The sweep file (YAML).", valueName: "SWEEP.yaml"))
    var sweepFile: String

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Array tasks, one worker each (at most one per open job is submitted).")
    var workers: Int

    @Option(help: "oneDNN threads of each worker; also its --cpus-per-task.")
    var threads = 1

    @Option(help: "The Slurm partition (default: the cluster's).")
    var partition: String?

    @Option(help: ArgumentHelp("Each task's time limit, as sbatch takes it (e.g. 02:00:00 or 1-00:00:00).", valueName: "time"))
    var time: String?

    @Option(help: "The account to charge.")
    var account: String?

    @Option(name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("One more sbatch option for the script, verbatim (repeatable), e.g. --sbatch-arg=--mem=4G.",
                               valueName: "arg"))
    var sbatchArguments: [String] = []

    @Flag(help: "Print the batch script(s) instead of registering and submitting anything.")
    var dryRun = false

    @OptionGroup var worker: WorkerOptions

    func validate() throws {
        if workers < 1 || workers > 1_000_000 { throw ValidationError("--workers must be in 1...1000000, got \(workers)") }
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be in 1...256, got \(threads)") }
        if let time, time.wholeMatch(of: /(\d+-)?\d+(:\d{1,2}){0,2}/) == nil {
            throw ValidationError("--time must be a Slurm time such as 30, 02:00:00 or 1-12:00:00, got '\(time)'")
        }
        for argument in sbatchArguments where !argument.hasPrefix("-") || argument.contains(where: \.isNewline) {
            throw ValidationError("--sbatch-arg takes one sbatch option such as --mem=4G, got '\(argument)'")
        }
        for (option, value) in [("--partition", partition), ("--account", account)] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || "'\"".contains($0) }) {
                throw ValidationError("\(option) takes a Slurm name without spaces or quotes, got '\(value)'")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let (spec, text) = try SpecParser.load(path: sweepFile)
            // Every file of a folder data set decodes, checked here rather than in each task.
            _ = try TrainingData.load(spec.config.data)
            let address = try database.address()
            guard case .postgres(let location) = address else {
                throw InputError(file: address.description, field: "--db",
                                 problem: "submit needs a PostgreSQL store every node reaches (postgresql://...); "
                                     + "an SQLite file is for one machine ('auxsweep run')")
            }
            let checkpoints = try worker.checkpointDirectory(for: address).standardizedFileURL.path
            let folder = URL(fileURLWithPath: "results/slurm").appendingPathComponent(spec.name).standardizedFileURL
            // An #SBATCH line ends at whitespace: the tasks' log folder cannot hold any.
            guard !folder.path.contains(where: \.isWhitespace) else {
                throw InputError(file: folder.path, field: "the tasks' log folder", problem: "has whitespace in its path, "
                                 + "which an #SBATCH line cannot hold; submit from a folder without")
            }
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
            let scripts = { (workers: Int, maxArraySize: Int) in
                SlurmBatchScript.split(workers: workers, maxArraySize: maxArraySize) { tasks, part, parts in
                    SlurmBatchScript(sweep: spec.name, tasks: tasks, part: part, parts: parts, threads: threads,
                                     partition: partition, time: time, account: account, extraArguments: sbatchArguments,
                                     executable: executable, checkpoints: checkpoints, logDirectory: folder.path,
                                     grace: worker.grace)
                }
            }
            if dryRun {
                let maxArraySize = (try? SlurmCluster().maxArraySize()) ?? 1001
                printLine(scripts(workers, maxArraySize).map(\.text).joined(separator: "\n"))
                return
            }
            // Slurm is checked before the store is touched: without it nothing is written.
            let cluster = try SlurmCluster()
            let maxArraySize = try cluster.maxArraySize()
            let store = try address.open(create: true)
            try store.register(spec, text: text)
            var open = try store.jobSummaries(JobFilter(sweep: spec.name)).filter { !$0.job.status.hasEnded }.count
            // An adaptive sweep whose round ended undecided (its last worker was stopped) decides it here.
            if open == 0, case .planned = try store.advanceRounds(sweep: spec.name) {
                open = try store.jobSummaries(JobFilter(sweep: spec.name)).filter { !$0.job.status.hasEnded }.count
            }
            guard open > 0 else {
                printLine("sweep '\(spec.name)': every job is done or failed; nothing submitted ('auxsweep report --sweep \(spec.name)')")
                return
            }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var number = 1
            for script in scripts(min(workers, open), maxArraySize) {
                while FileManager.default.fileExists(atPath: folder.appendingPathComponent("submit-\(number).sh").path) { number += 1 }
                let path = folder.appendingPathComponent("submit-\(number).sh").path
                try script.text.write(toFile: path, atomically: true, encoding: .utf8)
                let job = try cluster.submit(scriptAt: path, extraEnvironment: ["AUXSWEEP_DB": location.url])
                printLine("submitted job array \(job) (\(script.tasks) worker\(script.tasks == 1 ? "" : "s")) for sweep '\(spec.name)': "
                          + "\(relative(path)); logs \(relative(folder.path))/\(job)_<task>.out")
            }
            printLine("\(open) open job\(open == 1 ? "" : "s") in \(address); 'auxsweep status \(spec.name)' shows them and the array's tasks")
        }
    }

    /// `path` relative to the working directory when it is inside it.
    private func relative(_ path: String) -> String {
        let here = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path
    }
}
