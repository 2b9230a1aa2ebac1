import Foundation
import Logging
import _ConnectionPoolModule
import NIOPosix
import NIOSSL
import PostgresNIO
import Segmentation

/// The PostgreSQL results store (PostgresNIO): one database shared by workers on many machines.
///
/// Same tables and meaning as `SQLiteStore` (`PostgresSchema`'s named migrations). Claiming is one
/// statement over `SELECT ... FOR UPDATE SKIP LOCKED`, so two workers can never take the same job;
/// times (heartbeat, started, finished) are stamped with the database's clock, and a running job is
/// claimable again only when its heartbeat is older than the grace its claimer promised. Every write of
/// a job's rows is fenced by its claim (`JobClaim`). Every call blocks its thread
/// until the database answers (the runner's workers are threads), through a pool of connections.
public final class PostgresStore: ResultsStore {
    public let location: String
    public let id: String
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    /// Connects to `url` (checking the address and the password at once) and brings the schema up to
    /// date. Throws one-line errors with the password masked.
    public convenience init(url: String) throws {
        try self.init(location: try PostgresLocation(url: url))
    }

    /// Connects to `address` and brings the schema up to date; or, `readOnly`, opens sessions whose
    /// transactions are read-only (the server refuses every write) on a schema that must be current.
    public init(location address: PostgresLocation, readOnly: Bool = false) throws {
        location = address.description
        logger = Logger(label: "auxsweep.postgres") { _ in SwiftLogNoOpLogHandler() }
        var configuration = PostgresClient.Configuration(host: address.host, port: address.port, username: address.user,
                                                         password: address.password, database: address.database,
                                                         tls: Self.tls(address.sslMode))
        if readOnly { configuration.options.additionalStartupParameters = [("default_transaction_read_only", "on")] }
        try Self.checkConnection(address: address, logger: logger)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runTask = Task(executorPreference: Blocking.executor) { await client.run() }
        let logger = logger
        do {
            id = try Blocking.run {
                if readOnly {
                    guard try await PostgresSchema.hasCompletedMigrations(client, logger: logger) else {
                        throw StoreError.outdatedSchema(address.description)
                    }
                } else {
                    try await PostgresSchema.migrate(client, logger: logger)
                }
                return try await PostgresSchema.storeID(client, logger: logger)
            }
        } catch let error as StoreError {
            runTask.cancel()
            throw error
        } catch {
            runTask.cancel()
            throw PostgresStoreError(location: address.description, problem: Self.describe(error))
        }
    }

    deinit { runTask.cancel() }

    /// What libpq's sslmode asks of TLS: nil for none; otherwise whether it is required (else used when
    /// the server offers it) and the certificate checks (none; verify-ca: the chain; verify-full: the
    /// host name too). The pool and the first connection both take their TLS setting from here.
    static func tlsPolicy(_ mode: PostgresLocation.SSLMode) -> (required: Bool, configuration: TLSConfiguration)? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return nil
        case .allow, .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: break
        }
        return (required: ![.allow, .prefer].contains(mode), configuration: configuration)
    }

    /// `tlsPolicy` as the pool's setting.
    static func tls(_ mode: PostgresLocation.SSLMode) -> PostgresClient.Configuration.TLS {
        guard let policy = tlsPolicy(mode) else { return .disable }
        return policy.required ? .require(policy.configuration) : .prefer(policy.configuration)
    }

    /// One connection opened and closed: a wrong password or an unreachable server fails here, in one
    /// line, instead of a pool retrying in the background.
    private static func checkConnection(address: PostgresLocation, logger: Logger) throws {
        do {
            var configuration = PostgresConnection.Configuration(host: address.host, port: address.port, username: address.user,
                                                                 password: address.password, database: address.database,
                                                                 tls: .disable)
            if let policy = tlsPolicy(address.sslMode) {
                let context = try NIOSSLContext(configuration: policy.configuration)
                configuration.tls = policy.required ? .require(context) : .prefer(context)
            }
            configuration.options.connectTimeout = .seconds(10)
            let checked = configuration
            try Blocking.run {
                let open = try await PostgresConnection.connect(configuration: checked, id: 0, logger: logger)
                try await open.close()
            }
        } catch {
            throw PostgresStoreError(location: address.description, problem: describe(error))
        }
    }

    /// A user-facing line for a connection or server error (PostgresNIO's own descriptions hide the
    /// server's message).
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            if let underlying = psql.underlying { return describe(underlying) }
            if psql.code == .sslUnsupported { return "the server does not offer TLS, which the URL's sslmode requires" }
            return "\(psql.code)"
        }
        if let connection = error as? NIOConnectionError {
            let reasons = connection.connectionErrors.map { failure -> String in
                guard let io = failure.error as? IOError else { return "\(failure.error)" }
                return String(cString: strerror(io.errnoCode)).lowercased()
            }
            let reason = reasons.isEmpty ? "no address found for \(connection.host)" : Set(reasons).sorted().joined(separator: ", ")
            return "cannot connect to \(connection.host):\(connection.port) (\(reason))"
        }
        return "\(error)"
    }

    /// How long a call keeps retrying while the server cannot be reached (a restart, a failover); a
    /// single attempt can wait up to a minute for a connection (the pool's circuit breaker).
    static let reconnectWindow: TimeInterval = 120

    /// Runs `body` in one transaction on a pooled connection and waits for it. A transaction that
    /// fails because the connection was lost (the server restarting, say) or was a deadlock's victim
    /// runs again, with growing pauses, for up to `reconnectWindow`: every transaction here can run
    /// twice without harm to the rows (they are upserts, and writes are fenced by their claim). What
    /// a replay after a commit whose reply was lost can do: a claim takes a second job (the first is
    /// taken over after its grace), a job's final write reports its claim lost, a copy reports its
    /// sweep already there.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws -> T {
        let (client, logger) = (client, logger)
        let deadline = Date().addingTimeInterval(Self.reconnectWindow)
        var pause = 0.25
        while true {
            do {
                return try Blocking.run { try await client.withTransaction(logger: logger) { try await body($0, logger) } }
            } catch let error as PostgresTransactionError {
                // The transaction was rolled back; the store's own errors (a changed spec) pass through as they are.
                if let refused = error.closureError as? StoreError { throw refused }
                let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error
                guard Self.isTransient(cause), Date() < deadline else {
                    throw PostgresStoreError(location: location, problem: Self.describe(cause))
                }
            } catch {
                guard Self.isTransient(error), Date() < deadline else {
                    throw PostgresStoreError(location: location, problem: Self.describe(error))
                }
            }
            Thread.sleep(forTimeInterval: pause)
            pause = min(pause * 2, 5)
        }
    }

    /// Whether running the transaction again can succeed: the connection was lost or the server refuses
    /// connections for now (SQLSTATE classes 08, connection exception, and 57P, operator
    /// intervention), or the server chose this transaction as a deadlock's or serialization's victim
    /// (40P01, 40001).
    static func isTransient(_ error: any Error) -> Bool {
        if error is NIOConnectionError || error is ChannelError || error is IOError { return true }
        if let pool = error as? ConnectionPoolError { return pool == .connectionCreationCircuitBreakerTripped }
        guard let psql = error as? PSQLError else { return false }
        if [.serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection].contains(psql.code) { return true }
        if let state = psql.serverInfo?[.sqlState] {
            return state.hasPrefix("08") || state.hasPrefix("57P") || state == "40P01" || state == "40001"
        }
        return psql.underlying.map(isTransient) ?? false
    }

    // MARK: Planning

    public func register(_ spec: SweepSpec, text: String) throws {
        let (name, hash, first, keys) = (spec.name, spec.specHash, spec.firstSpecHash, spec.jobKeys)
        let spec = spec
        try transaction { db, logger in
            try await db.query("INSERT INTO sweeps (name, spec, spec_hash, created) VALUES (\(name), \(text), \(hash), now()) ON CONFLICT (name) DO NOTHING",
                               logger: logger)
            // NO KEY UPDATE: registrations of one sweep take turns here, while workers writing rows of
            // its jobs (whose foreign-key checks share the sweep's key) are not held up.
            var stored: String?
            for try await (value) in try await db.query("SELECT spec_hash FROM sweeps WHERE name = \(name) FOR NO KEY UPDATE",
                                                       logger: logger).decode(String.self) { stored = value }
            if let first, stored == first {
                try await db.query("UPDATE sweeps SET spec_hash = \(hash) WHERE name = \(name)", logger: logger)
                stored = hash
            }
            guard stored == hash else { throw StoreError.specChanged(name) }
            // Only the jobs not there yet: a job a worker is updating is not waited for.
            try await db.query("""
                INSERT INTO jobs (sweep, aux_weight, seed, status, attempt, checkpoint_iteration)
                SELECT \(name), k.w, k.s, 'pending', 0, 0 FROM unnest(\(keys.map(\.auxWeight))::float8[], \(keys.map { Int64($0.seed) })::int8[]) AS k(w, s)
                WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.sweep = \(name) AND j.aux_weight = k.w AND j.seed = k.s)
                ON CONFLICT (sweep, aux_weight, seed) DO NOTHING
                """, logger: logger)
            try await Self.registerPlan(spec, db, logger)
        }
    }

    // MARK: Claiming

    public func claim(sweep: String, worker: JobWorker) throws -> JobRecord? {
        try transaction { db, logger in
            let rows = try await db.query("""
                UPDATE jobs SET status = 'running', attempt = attempt + 1, worker = \(worker.name), host = \(worker.host),
                  pid = \(Int64(worker.pid)), heartbeat = now(), started = COALESCE(started, now()), error = NULL,
                  grace = \(worker.grace)
                WHERE id = (
                  SELECT id FROM jobs WHERE sweep = \(sweep)
                    AND (status IN ('pending', 'interrupted')
                         OR (status = 'running' AND (heartbeat IS NULL
                             OR heartbeat < now() - make_interval(secs => COALESCE(grace, \(JobWorker.defaultGrace))))))
                  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: PostgresSchema.jobColumns)
                """, logger: logger)
            var job: JobRecord?
            for try await row in rows { job = try PostgresSchema.job(row) }
            return job
        }
    }

    // MARK: Progress

    /// Refuses a write under `claim` unless the job is still running under it; stamps the heartbeat
    /// with the database's clock. First in every fenced transaction, so a lost claim writes nothing.
    private static func renew(_ claim: JobClaim, _ db: PostgresConnection, _ logger: Logger) async throws {
        var renewed = false
        for try await _ in try await db.query("""
            UPDATE jobs SET heartbeat = now() WHERE id = \(claim.job) AND attempt = \(claim.attempt) AND status = 'running'
            RETURNING id
            """, logger: logger) { renewed = true }
        guard renewed else { throw StoreError.claimLost(claim) }
    }

    public func heartbeat(_ claim: JobClaim) throws {
        try transaction { db, logger in try await Self.renew(claim, db, logger) }
    }

    public func record(_ claim: JobClaim, _ progress: JobProgress) throws {
        let id = claim.job
        try transaction { db, logger in
            try await Self.renew(claim, db, logger)
            try await Self.write(steps: progress.steps.map { StepRow(job: id, $0) },
                                 evaluations: progress.evaluations.map { EvaluationRow(job: id, $0) }, job: id, db, logger)
            guard progress.checkpointIteration != nil || progress.status != nil else { return }
            let checkpoint = progress.checkpointIteration.map(Int32.init)
            let status = progress.status?.rawValue
            try await db.query("""
                UPDATE jobs SET checkpoint_iteration = COALESCE(\(checkpoint)::int4, checkpoint_iteration),
                  status = COALESCE(\(status)::text, status),
                  error = CASE WHEN \(status)::text IS NULL THEN error ELSE \(progress.error)::text END,
                  finished = CASE WHEN \(status)::text IN ('done', 'failed') THEN now() ELSE finished END
                WHERE id = \(id)
                """, logger: logger)
        }
    }

    /// Writes step and evaluation rows under job `id` (their own `job` is ignored), one statement each
    /// over arrays; a row already there (a replayed step) is replaced.
    static func write(steps s: [StepRow], evaluations e: [EvaluationRow], job id: Int64, _ db: PostgresConnection,
                              _ logger: Logger) async throws {
        if !s.isEmpty {
            try await db.query("""
                INSERT INTO steps (job, iteration, lr, main_loss, aux_loss, total_loss)
                SELECT \(id), * FROM unnest(\(s.map { Int32($0.iteration) })::int4[], \(s.map(\.lr))::float8[],
                  \(s.map(\.mainLoss))::float8[], \(s.map(\.auxLoss))::float8[], \(s.map(\.totalLoss))::float8[])
                ON CONFLICT (job, iteration) DO UPDATE SET lr = EXCLUDED.lr, main_loss = EXCLUDED.main_loss,
                  aux_loss = EXCLUDED.aux_loss, total_loss = EXCLUDED.total_loss
                """, logger: logger)
        }
        if !e.isEmpty {
            try await db.query("""
                INSERT INTO evals (job, iteration, miou, pixel_acc, class_iou)
                SELECT \(id), * FROM unnest(\(e.map { Int32($0.iteration) })::int4[], \(e.map(\.miou))::float8[],
                  \(e.map(\.pixelAcc))::float8[], \(e.map(\.classIoU))::text[])
                ON CONFLICT (job, iteration) DO UPDATE SET miou = EXCLUDED.miou, pixel_acc = EXCLUDED.pixel_acc,
                  class_iou = EXCLUDED.class_iou
                """, logger: logger)
        }
    }

    public func rewind(_ claim: JobClaim, to iteration: Int) throws {
        let (id, at) = (claim.job, Int32(iteration))
        try transaction { db, logger in
            try await Self.renew(claim, db, logger)
            try await db.query("DELETE FROM steps WHERE job = \(id) AND iteration >= \(at)", logger: logger)
            try await db.query("DELETE FROM evals WHERE job = \(id) AND iteration > \(at)", logger: logger)
            try await db.query("UPDATE jobs SET checkpoint_iteration = \(at) WHERE id = \(id)", logger: logger)
        }
    }

    public func stepCount(job id: Int64, before iteration: Int) throws -> Int {
        let at = Int32(iteration)
        return try transaction { db, logger in
            var count = 0
            for try await (value) in try await db.query("SELECT count(*) FROM steps WHERE job = \(id) AND iteration < \(at)", logger: logger)
                .decode(Int64.self) { count = Int(value) }
            return count
        }
    }

    // MARK: Reads

    public func sweeps() throws -> [SweepRecord] {
        try transaction { db, logger in
            var sweeps: [SweepRecord] = []
            for try await (name, spec, hash, created) in try await db.query(
                "SELECT name, spec, spec_hash, created FROM sweeps ORDER BY created, name", logger: logger)
                .decode((String, String, String, Date).self) {
                sweeps.append(SweepRecord(name: name, spec: spec, specHash: hash, created: created))
            }
            return sweeps
        }
    }

    public func jobSummaries(_ filter: JobFilter) throws -> [JobSummary] {
        try transaction { db, logger in
            let rows = try await db.query("""
                SELECT \(unescaped: PostgresSchema.qualifiedJobColumns("j")), e.iteration AS eval_iteration, e.miou, e.pixel_acc,
                  (SELECT count(*) FROM steps s WHERE s.job = j.id) AS step_count
                FROM jobs j LEFT JOIN LATERAL (
                  SELECT iteration, miou, pixel_acc FROM evals WHERE job = j.id ORDER BY iteration DESC LIMIT 1) e ON true
                WHERE (\(filter.sweep)::text IS NULL OR j.sweep = \(filter.sweep))
                  AND (\(filter.auxWeight)::float8 IS NULL OR abs(j.aux_weight - \(filter.auxWeight)) < 1e-9)
                  AND (\(filter.seed)::int8 IS NULL OR j.seed = \(filter.seed))
                  AND (\(filter.status?.rawValue)::text IS NULL OR j.status = \(filter.status?.rawValue))
                ORDER BY j.sweep, j.aux_weight, j.seed
                """, logger: logger)
            var summaries: [JobSummary] = []
            for try await row in rows {
                let cells = row.makeRandomAccess()
                summaries.append(JobSummary(job: try PostgresSchema.job(row), iteration: try cells["eval_iteration"].decode(Int?.self),
                                            miou: try cells["miou"].decode(Double?.self),
                                            pixelAccuracy: try cells["pixel_acc"].decode(Double?.self),
                                            steps: Int(try cells["step_count"].decode(Int64.self))))
            }
            return summaries
        }
    }

    public func steps(job id: Int64) throws -> [StepRecord] {
        try transaction { db, logger in
            var steps: [StepRecord] = []
            for try await (iteration, lr, main, aux, total) in try await db.query(
                "SELECT iteration, lr, main_loss, aux_loss, total_loss FROM steps WHERE job = \(id) ORDER BY iteration", logger: logger)
                .decode((Int, Double, Double, Double, Double).self) {
                steps.append(StepRow(job: id, iteration: iteration, lr: lr, mainLoss: main, auxLoss: aux, totalLoss: total).record)
            }
            return steps
        }
    }

    public func evaluations(job id: Int64) throws -> [EvaluationRecord] {
        let rows = try transaction { db, logger in
            try await Self.evaluations(jobs: [id], db, logger)[id] ?? []
        }
        return try rows.map { try $0.record(location: location) }
    }

    /// The evaluation rows of `jobs`, by job, in iteration order.
    private static func evaluations(jobs: [Int64], _ db: PostgresConnection, _ logger: Logger) async throws -> [Int64: [EvaluationRow]] {
        var evaluations: [Int64: [EvaluationRow]] = [:]
        for try await (job, iteration, miou, pixelAcc, classIoU) in try await db.query(
            "SELECT job, iteration, miou, pixel_acc, class_iou FROM evals WHERE job = ANY(\(jobs)::int8[]) ORDER BY job, iteration",
            logger: logger).decode((Int64, Int, Double, Double, String).self) {
            evaluations[job, default: []].append(EvaluationRow(job: job, iteration: iteration, miou: miou, pixelAcc: pixelAcc, classIoU: classIoU))
        }
        return evaluations
    }

    public func reportData(sweep: String) throws -> (jobs: [JobRecord], evaluations: [Int64: [EvaluationRecord]]) {
        let data = try transaction { db, logger -> ReportData in
            try await db.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            var jobs: [JobRecord] = []
            for try await row in try await db.query(
                "SELECT \(unescaped: PostgresSchema.jobColumns) FROM jobs WHERE sweep = \(sweep) ORDER BY aux_weight, seed", logger: logger) {
                jobs.append(try PostgresSchema.job(row))
            }
            let evaluations = try await Self.evaluations(jobs: jobs.compactMap(\.id), db, logger)
            return ReportData(jobs: jobs, evaluations: evaluations)
        }
        return (data.jobs, try data.evaluations.records(location: location))
    }

    public func restore(_ archive: SweepArchive) throws {
        let archive = archive.forRestore, location = location
        try transaction { db, logger in
            let sweep = archive.sweep
            var inserted = false
            for try await _ in try await db.query("""
                INSERT INTO sweeps (name, spec, spec_hash, created) VALUES (\(sweep.name), \(sweep.spec), \(sweep.specHash), \(sweep.created))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger) { inserted = true }
            guard inserted else { throw StoreError.sweepExists(name: sweep.name, location: location) }
            if let adaptive = archive.adaptive { try await Self.write(adaptive, sweep: sweep.name, db, logger) }
            for entry in archive.jobs {
                let j = entry.job
                var id: Int64?
                for try await (value) in try await db.query("""
                    INSERT INTO jobs (sweep, aux_weight, seed, status, attempt, worker, host, pid, heartbeat, started, finished, error,
                      checkpoint_iteration, grace)
                    VALUES (\(j.sweep), \(j.auxWeight), \(j.seed), \(j.status.rawValue), \(j.attempt), \(j.worker), \(j.host), \(j.pid),
                      \(j.heartbeat), \(j.started), \(j.finished), \(j.error), \(j.checkpointIteration), \(j.grace))
                    RETURNING id
                    """, logger: logger).decode(Int64.self) { id = value }
                guard let id else { preconditionFailure("an inserted job has an id") }
                try await Self.write(steps: entry.steps.map { StepRow(job: id, $0) }, evaluations: entry.evaluations.map { EvaluationRow(job: id, $0) },
                                     job: id, db, logger)
            }
        }
    }

    private struct ReportData: Sendable {
        let jobs: [JobRecord]
        let evaluations: [Int64: [EvaluationRow]]
    }
}

/// A PostgreSQL store that cannot be reached or used: one line with the masked URL.
public struct PostgresStoreError: Error, Equatable, CustomStringConvertible {
    public let location: String
    public let problem: String

    public init(location: String, problem: String) {
        self.location = location
        self.problem = problem
    }

    public var description: String { "\(location): database: \(problem)" }
}
