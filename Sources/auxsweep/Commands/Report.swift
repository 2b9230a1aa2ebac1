import ArgumentParser
import Foundation
import Sweep

/// `auxsweep report`: the ablation table of a sweep.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the ablation table of a sweep: final mIoU per aux weight over seeds.",
        discussion: "Failed and unfinished jobs are listed, never silently dropped from the means."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The sweep (default: the only one, or the newest).")
    var sweep: String?

    func run() throws {
        try reportingErrors {
            let store = try ResultsStore.openExisting(path: database.db)
            guard let name = try sweep ?? store.sweeps().last?.name else { throw StoreError.unknownSweep(sweep ?? "(none)") }
            let jobs = try store.jobSummaries(JobFilter(sweep: name))
            guard !jobs.isEmpty else { throw StoreError.unknownSweep(name) }
            printLine(ReportFormatter.table(AblationSummary(sweep: name, jobs: jobs)))
        }
    }
}
