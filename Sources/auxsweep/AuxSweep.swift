import ArgumentParser

/// The `auxsweep` command: how much weight should the deep-supervision (auxiliary) loss get?
@main
struct AuxSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auxsweep",
        abstract: "Ablate the auxiliary (deep-supervision) loss weight of a PSPNet-style network.",
        discussion: """
            auxsweep trains a small PSPNet with loss = main + w * aux at many weights w and seeds, \
            records every result in SQLite and reports which weight is best and how sure that is.
            """,
        subcommands: [Run.self, Status.self, Query.self, Report.self, Train.self, Predict.self, Grad.self, Bench.self,
                      DataCommand.self, BenchKernels.self, CoreDemo.self]
    )
}
