import ArgumentParser

/// `--db PATH`, shared by the commands that use the results store.
struct DatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The SQLite results database.", valueName: "path"))
    var db = "results/auxsweep.sqlite"
}
