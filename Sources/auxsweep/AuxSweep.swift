import ArgumentParser
import CDNNL
import Foundation

/// The `auxsweep` command: how much weight should the deep-supervision (auxiliary) loss get?
@main
struct AuxSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auxsweep",
        abstract: "Ablate the auxiliary (deep-supervision) loss weight of a PSPNet-style network.",
        discussion: """
            auxsweep trains a small PSPNet with loss = main + w * aux at many weights w and seeds, \
            records every result in SQLite or PostgreSQL and reports which weight is best and how sure that is.
            """,
        subcommands: [Run.self, Work.self, Submit.self, Status.self, DatabaseCommand.self, Query.self, Report.self, Serve.self, Train.self, Predict.self, Grad.self, Bench.self,
                      DataCommand.self, BenchKernels.self, CoreDemo.self]
    )

    /// Checks the CPU (this file is built for the baseline; the numeric core for AVX2 + FMA), then
    /// parses and runs the command.
    static func main() {
        guard auxsweep_cpu_has_avx2_fma() != 0 else {
            FileHandle.standardError.write(Data("auxsweep: this build needs an x86-64 CPU with AVX2 and FMA (x86-64-v3)\n".utf8))
            Foundation.exit(1)
        }
        main(nil)
    }
}
