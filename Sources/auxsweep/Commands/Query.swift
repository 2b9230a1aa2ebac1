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
            let store = try database.address().openForReading()
            let jobs = try store.jobSummaries(JobFilter(sweep: sweep, auxWeight: weight, seed: seed,
                                                        status: status.flatMap(JobStatus.init(rawValue:))))
            let rows = jobs.map(JobListing.init)
            switch format {
            case .table: printLine(TextTable.render(header: JobListing.header, rows: rows.map { $0.cells(rounded: true) }))
            case .csv: printLine(TextTable.csv(header: JobListing.header, rows: rows.map { $0.cells(rounded: false) }))
            case .json: printLine(String(decoding: try JSONOutput.encoder(pretty: true).encode(rows), as: UTF8.self))
            }
        }
    }
}
