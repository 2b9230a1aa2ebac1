import Foundation
import Logging
import PostgresNIO
@testable import Sweep

/// The throwaway PostgreSQL server of the test run (`scripts/test.sh` starts it and passes its URL in
/// AUXSWEEP_TEST_POSTGRES), and a fresh database on it per store.
enum TestPostgres {
    struct NotRunning: Error, CustomStringConvertible {
        var description: String { "AUXSWEEP_TEST_POSTGRES is not set: run the suite with `make test` (scripts/test.sh starts PostgreSQL)" }
    }

    /// The server's URL, from the environment.
    static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["AUXSWEEP_TEST_POSTGRES"], !url.isEmpty else { throw NotRunning() }
        return url
    }

    /// The URL of a new, empty database on the test server.
    static func freshDatabaseURL() throws -> String {
        let url = try serverURL()
        let server = try PostgresLocation(url: url)
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        do {
            try execute("CREATE DATABASE \(name)", on: server)
        } catch {
            throw StoreSetupError(description: "creating database \(name): \(String(reflecting: error))")
        }
        return "postgresql://\(server.user):\(server.password ?? "")@\(server.host):\(server.port)/\(name)?sslmode=disable"
    }

    /// Runs `sql` on the database `server` names, on a connection of its own.
    static func execute(_ sql: String, on server: PostgresLocation) throws {
        let configuration = PostgresConnection.Configuration(host: server.host, port: server.port, username: server.user,
                                                             password: server.password, database: server.database, tls: .disable)
        let logger = Logger(label: "auxsweep.tests") { _ in SwiftLogNoOpLogHandler() }
        try Blocking.run {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        }
    }

    struct StoreSetupError: Error, CustomStringConvertible { let description: String }
}
