import ArgumentParser
import Foundation
import Sweep

/// `auxsweep db`: work on whole stores.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Work on whole results stores: copy sweeps between SQLite files and PostgreSQL databases.",
        subcommands: [Copy.self]
    )

    /// `auxsweep db copy`: sweeps from one store to another.
    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy sweeps, with every job, step and evaluation, from one store to another.",
            discussion: """
                --from and --to each take an SQLite file or a postgresql:// URL (e.g. a cluster's results to a \
                laptop's file, where 'auxsweep report' gives the same table). A sweep already in the target \
                is refused before anything is written. Jobs that were running arrive interrupted, and \
                unfinished jobs start over if run in the target (checkpoints belong to the store that \
                wrote them).
                """
        )

        @Option(help: ArgumentHelp("The store to copy from.", valueName: "path-or-url"))
        var from: String

        @Option(help: ArgumentHelp("The store to copy to (an SQLite file is created if missing).", valueName: "path-or-url"))
        var to: String

        @Option(name: .customLong("sweep"), help: "A sweep to copy (repeatable; default: every sweep).")
        var sweeps: [String] = []

        func run() throws {
            try reportingErrors {
                let (source, target) = (try StoreAddress(from), try StoreAddress(to))
                let origin = try source.open(create: false)
                // A sweep named twice is copied once (a second copy would be refused after the first landed).
                let names = sweeps.isEmpty ? try origin.sweeps().map(\.name) : sweeps.enumerated().filter { !sweeps[..<$0.offset].contains($0.element) }.map(\.element)
                let archives = try names.map { try origin.archive(sweep: $0) }
                let destination = try target.open(create: true)
                // Every sweep is checked before any is written.
                let present = Set(try destination.sweeps().map(\.name))
                if let taken = names.first(where: present.contains) {
                    throw StoreError.sweepExists(name: taken, location: target.description)
                }
                for archive in archives {
                    try destination.restore(archive)
                    printLine("copied sweep '\(archive.sweep.name)' (\(archive.jobs.count) jobs, \(archive.stepCount) steps, "
                              + "\(archive.evaluationCount) evaluations) from \(source) to \(target)")
                }
                if archives.isEmpty { printLine("no sweeps in \(source); nothing copied") }
            }
        }
    }
}
