import ArgumentParser
import Foundation
import Sweep

/// `--db PATH-OR-URL`, shared by the commands that use the results store.
struct DatabaseOptions: ParsableArguments {
    /// Where the store is when neither `--db` nor AUXSWEEP_DB says.
    static let defaultPath = "results/auxsweep.sqlite"

    @Option(help: ArgumentHelp(
        "The results store: an SQLite file, or a PostgreSQL URL postgresql://user:password@host:port/database[?sslmode=MODE] "
            + "(default: $AUXSWEEP_DB, else \(defaultPath)).",
        valueName: "path-or-url"))
    var db: String?

    /// The store's address: `--db`, else AUXSWEEP_DB, else the default file; a URL that does not parse
    /// is bad input (one line, the password masked).
    func address() throws -> StoreAddress {
        let environment = ProcessInfo.processInfo.environment["AUXSWEEP_DB"].flatMap { $0.isEmpty ? nil : $0 }
        return try StoreAddress(db ?? environment ?? Self.defaultPath)
    }
}
