import Foundation

/// The batch script of one Slurm job array whose tasks each run one `auxsweep work` worker.
///
/// Workers pull jobs from the store, so a cancelled, failed or lost task loses nothing: its job's
/// heartbeat goes stale and another worker takes it over. The store's URL is not in the script (it
/// holds a password): the tasks read `AUXSWEEP_DB` from the environment sbatch exports.
public struct SlurmBatchScript: Sendable, Equatable {
    /// Seconds before the time limit (or on preemption) at which Slurm sends SIGTERM to the worker,
    /// which then checkpoints its job and exits.
    public static let signalLeadSeconds = 120

    public var sweep: String
    /// Array tasks in this script (indices 0..<tasks).
    public var tasks: Int
    /// Which part of a split submission this is (1-based) and how many parts there are.
    public var part: Int
    public var parts: Int
    /// oneDNN threads of each worker, and its `--cpus-per-task`.
    public var threads: Int
    public var partition: String?
    public var time: String?
    public var account: String?
    /// More `#SBATCH` lines, verbatim (e.g. `--mem=4G`).
    public var extraArguments: [String]
    /// Absolute paths: the auxsweep binary, the checkpoint folder, the folder of the tasks' logs.
    public var executable: String
    public var checkpoints: String
    public var logDirectory: String
    public var grace: Double

    public init(sweep: String, tasks: Int, part: Int = 1, parts: Int = 1, threads: Int, partition: String? = nil,
                time: String? = nil, account: String? = nil, extraArguments: [String] = [], executable: String,
                checkpoints: String, logDirectory: String, grace: Double) {
        precondition(tasks >= 1, "an array has at least one task")
        precondition((1...parts).contains(part), "part \(part) of \(parts)")
        self.sweep = sweep
        self.tasks = tasks
        self.part = part
        self.parts = parts
        self.threads = threads
        self.partition = partition
        self.time = time
        self.account = account
        self.extraArguments = extraArguments
        self.executable = executable
        self.checkpoints = checkpoints
        self.logDirectory = logDirectory
        self.grace = grace
    }

    /// The job name every task of the sweep's arrays carries (`status` finds them by it).
    public static func jobName(sweep: String) -> String { "auxsweep-\(sweep)" }

    /// The script's text.
    public var text: String {
        var lines = [
            "#!/bin/bash",
            "# auxsweep: sweep '\(sweep)', job array part \(part) of \(parts): \(tasks) worker\(tasks == 1 ? "" : "s") "
                + "('auxsweep work'), each claiming jobs until none is left.",
            "# Written by 'auxsweep submit'. The store's URL comes from AUXSWEEP_DB in the submitting environment.",
            "#SBATCH --job-name=\(Self.jobName(sweep: sweep))",
            "#SBATCH --array=0-\(tasks - 1)",
            "#SBATCH --ntasks=1",
            "#SBATCH --cpus-per-task=\(threads)",
            "#SBATCH --output=\(logDirectory)/%A_%a.out",
            "#SBATCH --open-mode=append",
            "#SBATCH --export=ALL",
            // SIGTERM to the batch shell, which is the worker (exec below), before the time limit.
            "#SBATCH --signal=B:TERM@\(Self.signalLeadSeconds)",
            "#SBATCH --requeue",
        ]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let account { lines.append("#SBATCH --account=\(account)") }
        lines += extraArguments.map { "#SBATCH \($0)" }
        lines.append(": \"${AUXSWEEP_DB:?AUXSWEEP_DB is not set: submit with 'auxsweep submit --db URL'}\"")
        lines.append("exec " + [executable, "work", "--sweep", sweep, "--threads", "\(threads)", "--checkpoints", checkpoints,
                                "--grace", Self.number(grace)].map(Self.quoted).joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A shell word: as it is when it is plain, else in single quotes.
    static func quoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:,@".contains($0) } && !word.isEmpty
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `60` rather than `60.0`.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The scripts of `workers` tasks split into arrays of at most `maxArraySize` tasks (Slurm refuses
    /// an array index at or above the cluster's MaxArraySize).
    public static func split(workers: Int, maxArraySize: Int, making: (_ tasks: Int, _ part: Int, _ parts: Int) -> SlurmBatchScript)
        -> [SlurmBatchScript] {
        precondition(workers >= 1 && maxArraySize >= 1, "at least one worker and one array index")
        let parts = (workers + maxArraySize - 1) / maxArraySize
        return (1...parts).map { part in
            making(min(maxArraySize, workers - (part - 1) * maxArraySize), part, parts)
        }
    }
}
