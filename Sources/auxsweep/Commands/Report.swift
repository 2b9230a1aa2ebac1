import ArgumentParser
import Foundation
import Sweep

/// `auxsweep report`: the ablation table of a sweep, its statistics and plots.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The ablation table: per aux weight, mIoU over seeds with intervals, paired tests and P(best).",
        discussion: """
            Per aux weight, over seeds: n, mean and std of mIoU, its 95% Student-t interval, pixel \
            accuracy, the paired difference to w = 0 over the same seeds with its 95% interval, a paired \
            t-test p-value and an exact sign-flip permutation p-value (up to 40 seeds), and the \
            probability that the weight is best by bootstrap over seeds (seeded: reproducible); against \
            the best (for the best: against w = 0) the paired gap, its sd and the seeds to decide (paired \
            seeds per weight for 80% power at alpha 0.05). Then the best weight, the weights not \
            significantly worse than it, a line on the seeds it would take to separate them, an adaptive \
            sweep's rounds and decisions, and a verdict against PSPNet's finding. Failed or unfinished \
            jobs are listed, never dropped silently.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, markdown, csv, json }
    enum Point: String, ExpressibleByArgument, CaseIterable { case final, best }

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The sweep (default: the newest).")
    var sweep: String?

    @Option(help: "Output format: table, markdown, csv or json.")
    var format: Format = .table

    @Option(help: "Which evaluation of each job: final (the last) or best (the highest mIoU).")
    var at: Point = .final

    @Option(help: ArgumentHelp("Write the ablation curve (mean mIoU with 95% CI against w) and, below it, each weight's paired "
                               + "difference to w = 0 with its 95% CI, as SVG.", valueName: "file.svg"))
    var plot: String?

    @Option(help: ArgumentHelp("Write training curves (main and aux loss, mIoU over iterations) as SVG.", valueName: "file.svg"))
    var curves: String?

    func run() throws {
        try reportingErrors {
            let address = try database.address()
            let store = try address.openForReading()
            guard let name = try sweep ?? store.sweeps().last?.name else { throw StoreError.noSweeps(address.description) }
            let report = try store.ablationReport(sweep: name, point: at == .final ? .final : .best)
            printLine(report.rendered(AblationReport.Format(rawValue: format.rawValue) ?? .table))
            if let plot { try write(report.ablationSVG(), to: plot) }
            if let curves { try write(try store.trainingCurves(sweep: name).svg(), to: curves) }
        }
    }

    func write(_ text: String, to path: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw InputError(file: path, field: "file", problem: "cannot be written (\(error.localizedDescription))")
        }
        printError("wrote \(path)")
    }
}
