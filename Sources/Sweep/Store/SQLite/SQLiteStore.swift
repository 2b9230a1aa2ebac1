import Foundation
import GRDB
import Segmentation

/// The SQLite results store (WAL mode, GRDB): the embedded default `ResultsStore`, one file.
///
/// One `DatabasePool` per file per process; every write is a `BEGIN IMMEDIATE` transaction, so several
/// processes on one file take the write lock up front instead of failing to upgrade a read (a
/// deferred transaction that upgrades gets SQLITE_BUSY whatever the busy timeout).
public final class SQLiteStore: ResultsStore {
    public let path: String
    public var location: String { path }
    /// The database's identity: a UUID made when the file was created (migration "v2: store id").
    public let id: String
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public convenience init(path: String) throws {
        try self.init(path: path, readOnly: false)
    }

    /// Opens the database at `path`: to write, creating it if needed and bringing its schema up to
    /// date; or read-only (it must exist with the current schema; SQLite refuses every write on the
    /// connection, and in WAL mode a reader never blocks a writer).
    init(path: String, readOnly: Bool) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.foreignKeysEnabled = true
        config.readonly = readOnly
        if !readOnly {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        do {
            pool = try Self.openPool(path: path, configuration: config)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notADatabase(path)
        }
        if readOnly {
            guard try pool.read({ db in try Schema.migrator.hasCompletedMigrations(db) }) else {
                throw StoreError.outdatedSchema(path)
            }
        } else {
            try Self.migrate(pool)
        }
        guard let id = try pool.read({ db in try String.fetchOne(db, sql: "SELECT id FROM store") }) else {
            throw StoreError.missingStoreID(path)
        }
        self.id = id
    }

    /// Opens the pool. Switching a new file to WAL takes an exclusive lock that SQLite does not wait
    /// for: a second process opening the same new file at that moment gets "database is locked" on
    /// `PRAGMA journal_mode = WAL` and retries.
    static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        try retrying(when: { $0.resultCode == .SQLITE_BUSY }) { try DatabasePool(path: path, configuration: configuration) }
    }

    /// Applies the migrations. Two processes creating the same new file at once can collide: on the
    /// migrator's own transaction (SQLITE_BUSY), or when one reads "no migration applied yet" just
    /// before the other commits its tables ("table ... already exists"). The loser retries and finds
    /// the schema in place.
    static func migrate(_ pool: DatabasePool) throws {
        try retrying(when: { error in
            error.resultCode == .SQLITE_BUSY
                || (error.resultCode == .SQLITE_ERROR && ["already exists", "duplicate column"].contains { (error.message ?? "").contains($0) })
        }) { try Schema.migrator.migrate(pool) }
    }

    /// Runs `body`, again after 0.05, 0.10, ... s (20 times at most) while it throws a database
    /// error that `transient` accepts: what another process opening the same new file can cause.
    static func retrying<T>(when transient: (DatabaseError) -> Bool, _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where attempt < 20 && transient(error) {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    /// Opens an existing database (bringing its schema up to date); throws when there is none.
    public static func openExisting(path: String) throws -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.missingDatabase(path)
        }
        return try SQLiteStore(path: path)
    }

    /// Opens an existing database read-only (`init(path:readOnly:)`); throws when there is none.
    public static func openReadOnly(path: String) throws -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.missingDatabase(path)
        }
        return try SQLiteStore(path: path, readOnly: true)
    }

    /// Runs `body` in an IMMEDIATE write transaction.
    @discardableResult
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            guard let result else { preconditionFailure("transaction body did not run") }
            return result
        }
    }

    /// Reads a consistent snapshot.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    // MARK: Planning

    /// Records the sweep and its jobs; running the same spec again changes nothing. A different spec
    /// under the same name is refused. A sweep registered with the first hash of the same spec (before
    /// the data kind was part of it) takes the current hash.
    public func register(_ spec: SweepSpec, text: String) throws {
        try write { db in
            if var existing = try SweepRecord.fetchOne(db, key: spec.name) {
                if let first = spec.firstSpecHash, existing.specHash == first {
                    existing.specHash = spec.specHash
                    try existing.update(db)
                }
                guard existing.specHash == spec.specHash else { throw StoreError.specChanged(spec.name) }
            } else {
                try SweepRecord(name: spec.name, spec: text, specHash: spec.specHash, created: Date()).insert(db)
            }
            for (weight, seed) in spec.jobKeys {
                var job = JobRecord(id: nil, sweep: spec.name, auxWeight: weight, seed: Int64(seed), status: .pending,
                                    attempt: 0, checkpointIteration: 0)
                try job.insert(db, onConflict: .ignore)
            }
            try Self.registerPlan(spec, db)
        }
    }

    // MARK: Claiming

    /// Claims the next job of `sweep` that needs running: pending or interrupted, or running in a
    /// process that is gone (on this machine) or whose heartbeat is older than its grace. Returns nil
    /// when none is left to claim.
    public func claim(sweep: String, worker: JobWorker) throws -> JobRecord? {
        try write { db in
            let candidates = try JobRecord
                .filter(Column("sweep") == sweep)
                .filter([JobStatus.pending, .interrupted, .running].contains(Column("status")))
                .order(Column("id"))
                .fetchAll(db)
            guard var job = candidates.first(where: { $0.status != .running || Self.isStale($0) }) else { return nil }
            let now = Date()
            job.status = .running
            job.attempt += 1
            job.worker = worker.name
            job.host = worker.host
            job.pid = Int64(worker.pid)
            job.heartbeat = now
            job.started = job.started ?? now
            job.error = nil
            job.grace = worker.grace
            try job.update(db)
            return job
        }
    }

    /// A running job whose process no longer runs (on this machine: same host name and boot) or
    /// whose heartbeat is older than the grace its claimer promised.
    ///
    /// A job under this process's own pid is judged by its heartbeat alone: it may be this process's,
    /// or an earlier process's that had the same pid (a restarted container's pid 1).
    static func isStale(_ job: JobRecord, now: Date = Date()) -> Bool {
        if job.host == JobWorker.thisMachine, let pid = job.pid, pid != Int64(getpid()) {
            if kill(pid_t(pid), 0) != 0 && errno == ESRCH { return true }
        }
        guard let beat = job.heartbeat else { return true }
        return now.timeIntervalSince(beat) > job.effectiveGrace
    }

    // MARK: Progress

    /// Refuses a write under `claim` unless the job is still running under it; stamps the heartbeat.
    /// Called first in every fenced transaction, so a lost claim writes nothing.
    private static func renew(_ claim: JobClaim, _ db: Database) throws {
        try db.execute(sql: "UPDATE jobs SET heartbeat = ? WHERE id = ? AND attempt = ? AND status = 'running'",
                       arguments: [Date(), claim.job, claim.attempt])
        guard db.changesCount == 1 else { throw StoreError.claimLost(claim) }
    }

    public func heartbeat(_ claim: JobClaim) throws {
        try write { db in try Self.renew(claim, db) }
    }

    /// Steps and evaluations of a claimed job, written in one transaction with a heartbeat. With
    /// `status`, the job ends in the same transaction (done, failed or interrupted).
    public func record(_ claim: JobClaim, _ progress: JobProgress) throws {
        try write { db in
            try Self.renew(claim, db)
            try Self.apply(progress, job: claim.job, db)
        }
    }

    /// Sets a claimed job back to `iteration`, where it resumes (0: from scratch): removes its step
    /// rows from that iteration on and its evaluations after it (the job replays them, so they are
    /// replaced, never duplicated) and records `iteration` as its checkpoint's.
    public func rewind(_ claim: JobClaim, to iteration: Int) throws {
        try write { db in
            try Self.renew(claim, db)
            try Self.rewind(job: claim.job, to: iteration, db)
        }
    }

    /// Writes `progress`'s rows and the job's end or checkpoint iteration (the heartbeat is the caller's).
    static func apply(_ progress: JobProgress, job id: Int64, _ db: Database) throws {
        for step in progress.steps { try StepRow(job: id, step).insert(db, onConflict: .replace) }
        for evaluation in progress.evaluations { try EvaluationRow(job: id, evaluation).insert(db, onConflict: .replace) }
        var assignments: [ColumnAssignment] = []
        if let checkpointIteration = progress.checkpointIteration {
            assignments.append(Column("checkpoint_iteration").set(to: checkpointIteration))
        }
        if let status = progress.status {
            assignments.append(Column("status").set(to: status.rawValue))
            assignments.append(Column("error").set(to: progress.error))
            if status.hasEnded { assignments.append(Column("finished").set(to: Date())) }
        }
        if !assignments.isEmpty { try JobRecord.filter(key: id).updateAll(db, assignments) }
    }

    static func rewind(job id: Int64, to iteration: Int, _ db: Database) throws {
        try StepRow.filter(Column("job") == id && Column("iteration") >= iteration).deleteAll(db)
        try EvaluationRow.filter(Column("job") == id && Column("iteration") > iteration).deleteAll(db)
        try JobRecord.filter(key: id).updateAll(db, Column("checkpoint_iteration").set(to: iteration))
    }

    /// Writes `progress` under no claim: only for tests that make the states a crash leaves behind.
    func recordUnfenced(job id: Int64, _ progress: JobProgress) throws {
        try write { db in try Self.apply(progress, job: id, db) }
    }

    /// `rewind` under no claim: only for tests that make the states a crash leaves behind.
    func rewindUnfenced(job id: Int64, to iteration: Int) throws {
        try write { db in try Self.rewind(job: id, to: iteration, db) }
    }

    /// The number of a job's step rows before `iteration`: a checkpoint at `iteration` is consistent
    /// with the rows only when this equals `iteration`.
    public func stepCount(job id: Int64, before iteration: Int) throws -> Int {
        try read { db in try StepRow.filter(Column("job") == id && Column("iteration") < iteration).fetchCount(db) }
    }
}
