import Foundation
import Sweep
import Testing

@Suite("PostgreSQL store addresses")
struct PostgresLocationTests {
    @Test("a full URL parses; its description masks the password")
    func parses() throws {
        let location = try PostgresLocation(url: "postgresql://ann:s3cr%40t@db.example:6543/sweeps?sslmode=require")
        #expect(location.host == "db.example" && location.port == 6543 && location.user == "ann")
        #expect(location.password == "s3cr@t" && location.database == "sweeps" && location.sslMode == .require)
        #expect(location.description == "postgresql://ann:***@db.example:6543/sweeps?sslmode=require")
        let plain = try PostgresLocation(url: "postgres://ann@db/sweeps")
        #expect(plain.port == 5432 && plain.password == nil && plain.sslMode == .prefer)
        #expect(plain.description == "postgresql://ann@db:5432/sweeps")
    }

    @Test("bad URLs: one line naming the problem, the password masked",
          arguments: [
              ("postgresql://ann:secret@/sweeps", "postgresql://ann:***@/sweeps: database URL: no host"),
              ("postgresql://:secret@db/sweeps", "postgresql://:***@db/sweeps: database URL: no user"),
              ("postgresql://ann:secret@db:5432", "postgresql://ann:***@db:5432: database URL: no database (the path after the port)"),
              ("postgresql://ann:secret@db/sweeps?sslmode=maybe",
               "postgresql://ann:***@db/sweeps?sslmode=maybe: database URL: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full, got 'maybe'"),
              ("postgresql://ann:secret@db/sweeps?timeout=3",
               "postgresql://ann:***@db/sweeps?timeout=3: database URL: unknown parameter 'timeout' (only sslmode is read)"),
          ])
    func badURLs(_ url: String, _ message: String) {
        #expect(throws: PostgresLocationError.self) { try PostgresLocation(url: url) }
        do {
            _ = try PostgresLocation(url: url)
        } catch {
            #expect("\(error)" == message)
            #expect(!"\(error)".contains("secret"))
        }
    }

    @Test("--db takes a file path or a URL")
    func addresses() throws {
        #expect(try StoreAddress("results/a.sqlite") == .sqlite(path: "results/a.sqlite"))
        #expect(try StoreAddress("results/a.sqlite").defaultCheckpointDirectory?.path.hasSuffix("results/checkpoints") == true)
        let url = try StoreAddress("postgresql://ann:secret@db/sweeps")
        #expect(url.description == "postgresql://ann:***@db:5432/sweeps" && url.defaultCheckpointDirectory == nil)
    }

    @Test("a wrong password and a closed port fail at once in one line, the password masked")
    func connectionErrors() throws {
        let server = try PostgresLocation(url: try TestPostgres.serverURL())
        let wrong = "postgresql://\(server.user):wrong-secret@\(server.host):\(server.port)/\(server.database)"
        #expect(throws: PostgresStoreError(location: "postgresql://\(server.user):***@\(server.host):\(server.port)/\(server.database)",
                                           problem: "password authentication failed for user \"\(server.user)\"")) {
            try PostgresStore(url: wrong)
        }
        #expect(throws: PostgresStoreError(location: "postgresql://ann:***@127.0.0.1:1/sweeps",
                                           problem: "cannot connect to 127.0.0.1:1 (connection refused)")) {
            try PostgresStore(url: "postgresql://ann:wrong-secret@127.0.0.1:1/sweeps")
        }
    }

    @Test("the same tiny sweep through SQLite and through PostgreSQL records the same rows, bit for bit")
    func sameRowsInBothStores() throws {
        let spec = try SpecParser.parse(SweepRunnerTests.tinyYAML, file: "tiny.yaml")
        let sqlite = try SQLiteStore(path: try SweepRunnerTests.temporaryDatabase().path)
        try SweepRunnerTests.run(spec, store: sqlite, workers: 2)
        let postgres = try PostgresStore(url: try TestPostgres.freshDatabaseURL())
        let checkpoints = URL(fileURLWithPath: try SweepRunnerTests.temporaryDatabase().path).deletingLastPathComponent()
        try postgres.register(spec, text: "")
        try SweepRunner(spec: spec, store: postgres, checkpointDirectory: checkpoints, workers: 2, stop: StopSignal(),
                        onProgress: { _ in }).run()
        let (a, b) = (try SweepRunnerTests.snapshot(sqlite, sweep: "tiny"), try SweepRunnerTests.snapshot(postgres, sweep: "tiny"))
        #expect(a == b)
        #expect(a.evals.values.allSatisfy { $0.count == 3 } && a.steps.values.allSatisfy { $0.count == 30 })
        #expect(try sqlite.ablationReport(sweep: "tiny").rendered(.markdown) == postgres.ablationReport(sweep: "tiny").rendered(.markdown))
    }
}
