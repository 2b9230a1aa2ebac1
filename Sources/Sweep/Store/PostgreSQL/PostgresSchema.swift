import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema: the same tables, columns and meaning as the SQLite store's `Schema`, as named
/// migrations that are never edited once shipped (add new ones). Applied under an advisory lock, so
/// workers starting at once on a new database apply each migration exactly once.
enum PostgresSchema {
    /// Named migrations in order (the names match the SQLite store's).
    static let migrations: [(name: String, statements: [String])] = [
        ("v1: sweeps, jobs, steps, evals", [
            """
            CREATE TABLE sweeps (name TEXT PRIMARY KEY, spec TEXT NOT NULL, spec_hash TEXT NOT NULL,
              created TIMESTAMPTZ NOT NULL)
            """,
            """
            CREATE TABLE jobs (id BIGSERIAL PRIMARY KEY,
              sweep TEXT NOT NULL REFERENCES sweeps (name) ON DELETE CASCADE,
              aux_weight DOUBLE PRECISION NOT NULL, seed BIGINT NOT NULL, status TEXT NOT NULL,
              attempt INTEGER NOT NULL DEFAULT 0, worker TEXT, host TEXT, pid BIGINT, heartbeat TIMESTAMPTZ,
              started TIMESTAMPTZ, finished TIMESTAMPTZ, error TEXT, checkpoint_iteration INTEGER NOT NULL DEFAULT 0,
              UNIQUE (sweep, aux_weight, seed))
            """,
            """
            CREATE TABLE steps (job BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, iteration INTEGER NOT NULL,
              lr DOUBLE PRECISION NOT NULL, main_loss DOUBLE PRECISION NOT NULL, aux_loss DOUBLE PRECISION NOT NULL,
              total_loss DOUBLE PRECISION NOT NULL, PRIMARY KEY (job, iteration))
            """,
            """
            CREATE TABLE evals (job BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, iteration INTEGER NOT NULL,
              miou DOUBLE PRECISION NOT NULL, pixel_acc DOUBLE PRECISION NOT NULL, class_iou TEXT NOT NULL,
              PRIMARY KEY (job, iteration))
            """,
            """
            CREATE VIEW final_metrics AS
            SELECT j.sweep, j.aux_weight, j.seed, j.status, e.iteration, e.miou, e.pixel_acc, e.class_iou
            FROM jobs j LEFT JOIN evals e ON e.job = j.id
              AND e.iteration = (SELECT MAX(iteration) FROM evals WHERE job = j.id)
            """,
        ]),
        ("v2: store id", [
            "CREATE TABLE store (id TEXT PRIMARY KEY, created TIMESTAMPTZ NOT NULL)",
            "INSERT INTO store (id, created) VALUES (gen_random_uuid()::text, now())",
        ]),
        ("v3: claim grace", [
            // The grace period the claiming worker promised: others judge its heartbeat by it.
            "ALTER TABLE jobs ADD COLUMN grace DOUBLE PRECISION",
        ]),
        ("v4: adaptive rounds", [
            // An adaptive sweep's plan (seeds: {initial, step, max}, until: {weights}) and its rounds:
            // the weights each ran, and once its jobs ended what was decided (RoundDecision as JSON).
            """
            CREATE TABLE adaptive_plans (sweep TEXT PRIMARY KEY REFERENCES sweeps (name) ON DELETE CASCADE,
              initial INTEGER NOT NULL, step INTEGER NOT NULL, max INTEGER NOT NULL, until_weights INTEGER,
              alpha DOUBLE PRECISION NOT NULL)
            """,
            """
            CREATE TABLE rounds (sweep TEXT NOT NULL REFERENCES sweeps (name) ON DELETE CASCADE, round INTEGER NOT NULL,
              seeds INTEGER NOT NULL, weights TEXT NOT NULL, decision TEXT, decided TIMESTAMPTZ, PRIMARY KEY (sweep, round))
            """,
        ]),
    ]

    /// Applies the migrations not yet recorded in `migrations`, each in its own transaction.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        for migration in migrations {
            try await client.withTransaction(logger: logger) { db in
                // One key for every auxsweep migrator on this database: the others wait here.
                try await db.query("SELECT pg_advisory_xact_lock(7347011)", logger: logger)
                try await db.query("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TIMESTAMPTZ NOT NULL)",
                                   logger: logger)
                var applied = false
                for try await _ in try await db.query("SELECT 1 FROM migrations WHERE name = \(migration.name)", logger: logger) {
                    applied = true
                }
                guard !applied else { return }
                for statement in migration.statements {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await db.query("INSERT INTO migrations (name, applied) VALUES (\(migration.name), now())", logger: logger)
            }
        }
    }

    /// Whether every migration is recorded (a read-only reader cannot apply the missing ones).
    static func hasCompletedMigrations(_ client: PostgresClient, logger: Logger) async throws -> Bool {
        var applied: Set<String> = []
        do {
            for try await name in try await client.query("SELECT name FROM migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P01" {
            return false   // undefined_table: no auxsweep migration has run here
        }
        return migrations.allSatisfy { applied.contains($0.name) }
    }

    /// The store's identity (made by migration "v2: store id").
    static func storeID(_ client: PostgresClient, logger: Logger) async throws -> String {
        var id: String?
        for try await (value) in try await client.query("SELECT id FROM store", logger: logger).decode(String.self) { id = value }
        guard let id else { throw StoreError.missingStoreID("store") }
        return id
    }

    /// The columns of a `JobRecord`.
    static let jobColumnNames = ["id", "sweep", "aux_weight", "seed", "status", "attempt", "worker", "host", "pid", "heartbeat",
                                 "started", "finished", "error", "checkpoint_iteration", "grace"]
    static let jobColumns = jobColumnNames.joined(separator: ", ")

    /// `jobColumns` qualified by a table alias.
    static func qualifiedJobColumns(_ alias: String) -> String {
        jobColumnNames.map { "\(alias).\($0)" }.joined(separator: ", ")
    }

    /// A `JobRecord` from a row holding `jobColumns`.
    static func job(_ row: PostgresRow) throws -> JobRecord {
        let cells = row.makeRandomAccess()
        let status = try cells["status"].decode(String.self)
        guard let jobStatus = JobStatus(rawValue: status) else {
            throw PostgresStoreError(location: "jobs", problem: "unknown job status '\(status)' (written by a newer auxsweep?)")
        }
        return JobRecord(id: try cells["id"].decode(Int64.self), sweep: try cells["sweep"].decode(String.self),
                         auxWeight: try cells["aux_weight"].decode(Double.self), seed: try cells["seed"].decode(Int64.self),
                         status: jobStatus, attempt: try cells["attempt"].decode(Int.self),
                         worker: try cells["worker"].decode(String?.self), host: try cells["host"].decode(String?.self),
                         pid: try cells["pid"].decode(Int64?.self), heartbeat: try cells["heartbeat"].decode(Date?.self),
                         started: try cells["started"].decode(Date?.self), finished: try cells["finished"].decode(Date?.self),
                         error: try cells["error"].decode(String?.self),
                         checkpointIteration: try cells["checkpoint_iteration"].decode(Int.self),
                         grace: try cells["grace"].decode(Double?.self))
    }
}
