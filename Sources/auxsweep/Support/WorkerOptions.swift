import ArgumentParser
import Foundation
import Sweep

/// `--checkpoints DIR` and `--grace SECONDS`, shared by the commands that run jobs (`run`, `work`).
struct WorkerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where jobs keep their resumable checkpoints (default: checkpoints/ beside an SQLite "
                               + "file; required with PostgreSQL: a directory every worker can reach).", valueName: "dir"))
    var checkpoints: String?

    @Option(help: ArgumentHelp("Seconds without a heartbeat after which another worker may take over a job this process "
                               + "runs (it beats every grace/4 s, and at least every 10 s).",
                               valueName: "seconds"))
    var grace: Double = JobWorker.defaultGrace

    func validate() throws {
        guard grace >= 1, grace <= 86_400 else { throw ValidationError("--grace must be in 1...86400 seconds, got \(grace)") }
    }

    /// The checkpoint folder: `--checkpoints`, else the store's default (beside an SQLite file).
    func checkpointDirectory(for address: StoreAddress) throws -> URL {
        guard let directory = checkpoints.map({ URL(fileURLWithPath: $0) }) ?? address.defaultCheckpointDirectory else {
            throw InputError(file: address.description, field: "--checkpoints",
                             problem: "required with a PostgreSQL store: a directory every worker can reach")
        }
        return directory
    }
}
