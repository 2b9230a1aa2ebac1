import ArgumentParser
import Foundation
import Sweep

/// `auxsweep query`: jobs with their final metrics, filtered, as a table, CSV or JSON.
struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List jobs and their last evaluation, filtered by sweep, weight, seed or status.",
        discussion: "For every step or evaluation row, open the database with sqlite3 or pandas (README)."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this sweep.")
    var sweep: String?

    @Option(help: "Only this aux weight.")
    var weight: Double?

    @Option(help: "Only this seed.")
    var seed: Int64?

    @Option(help: "Only jobs in this status: pending, running, done, failed or interrupted.")
    var status: String?

    @Option(help: "Output format: table, csv or json.")
    var format: Format = .table

    func validate() throws {
        if let status, JobStatus(rawValue: status) == nil {
            throw ValidationError("--status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try reportingErrors {
            let store = try database.address().open(create: false)
            let jobs = try store.jobSummaries(JobFilter(sweep: sweep, auxWeight: weight, seed: seed,
                                                        status: status.flatMap(JobStatus.init(rawValue:))))
            let header = ["sweep", "aux_weight", "seed", "status", "attempt", "steps", "iteration", "miou", "pixel_acc", "error"]
            /// One job's cells; metrics rounded for the terminal, in full for CSV.
            func cells(_ j: JobSummary, rounded: Bool) -> [String] {
                let metric = { (v: Double?) in v.map { rounded ? NumberText.fixed($0) : String($0) } ?? "" }
                return [j.job.sweep, String(j.job.auxWeight), "\(j.job.seed)", j.job.status.rawValue, "\(j.job.attempt)",
                        "\(j.steps)", j.iteration.map(String.init) ?? "", metric(j.miou), metric(j.pixelAccuracy), j.job.error ?? ""]
            }
            switch format {
            case .table: printLine(TextTable.render(header: header, rows: jobs.map { cells($0, rounded: true) }))
            case .csv: printLine(TextTable.csv(header: header, rows: jobs.map { cells($0, rounded: false) }))
            case .json:
                let objects: [[String: Any]] = jobs.map { j in
                    var o: [String: Any] = ["sweep": j.job.sweep, "aux_weight": j.job.auxWeight, "seed": j.job.seed,
                                            "status": j.job.status.rawValue, "attempt": j.job.attempt, "steps": j.steps]
                    o["iteration"] = j.iteration ?? NSNull()
                    o["miou"] = j.miou ?? NSNull()
                    o["pixel_acc"] = j.pixelAccuracy ?? NSNull()
                    o["error"] = j.job.error ?? NSNull()
                    return o
                }
                let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])
                printLine(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
