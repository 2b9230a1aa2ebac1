import ArgumentParser
import Foundation
import Sweep

/// `auxsweep status`: sweeps and their jobs.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show sweeps and their jobs: done / running / failed / interrupted / pending.",
        discussion: """
            Without SWEEP, one line per sweep (and an adaptive sweep's current round); with it, one line per \
            job (attempt, steps recorded, last mIoU, error), then an adaptive sweep's plan and every round's \
            decision. When Slurm's tools are here and know a sweep's job array ('auxsweep submit'), lines on \
            its tasks follow: pending, running, ended, and ended tasks whose jobs are not done.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "A sweep name for a per-job listing.")
    var sweep: String?

    func run() throws {
        try reportingErrors {
            let store = try database.address().openForReading()
            if let sweep {
                let jobs = try store.jobSummaries(JobFilter(sweep: sweep))
                guard !jobs.isEmpty else { throw StoreError.unknownSweep(sweep) }
                let rows = jobs.map { j in
                    [String(j.job.auxWeight), "\(j.job.seed)", j.job.status.rawValue, "\(j.job.attempt)", "\(j.steps)",
                     NumberText.fixed(j.miou), j.job.error ?? ""]
                }
                printLine(TextTable.render(header: ["aux_weight", "seed", "status", "attempt", "steps", "miou", "error"], rows: rows))
                if let adaptive = try store.adaptiveState(sweep: sweep) { for line in adaptive.lines { printLine(line) } }
                if let record = try store.sweep(named: sweep) {
                    for line in SlurmStatus.lines(sweep: record, jobs: jobs) { printLine(line) }
                }
            } else {
                let sweeps = try store.sweeps()
                var notes: [String] = []
                let rows = try sweeps.map { s -> [String] in
                    let jobs = try store.jobSummaries(JobFilter(sweep: s.name))
                    notes += SlurmStatus.lines(sweep: s, jobs: jobs).map { "\(s.name): \($0)" }
                    if let round = try store.adaptiveState(sweep: s.name)?.current { notes.append("\(s.name): \(round.summary)") }
                    let count = { (status: JobStatus) in "\(jobs.filter { $0.job.status == status }.count)" }
                    return [s.name, "\(jobs.count)", count(.done), count(.running), count(.failed), count(.interrupted), count(.pending)]
                }
                printLine(TextTable.render(header: ["sweep", "jobs", "done", "running", "failed", "interrupted", "pending"], rows: rows))
                for line in notes { printLine(line) }
            }
        }
    }
}
