import Foundation

/// Where a results store is: an SQLite file (the embedded default) or a PostgreSQL database.
///
/// `--db` and `AUXSWEEP_DB` take either; a `postgresql://` (or `postgres://`) URL means PostgreSQL,
/// anything else a file path. `description` masks a password.
public enum StoreAddress: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// Parses a path or URL; throws `PostgresLocationError` for a URL that does not parse.
    public init(_ text: String) throws {
        self = PostgresLocation.isURL(text) ? .postgres(try PostgresLocation(url: text)) : .sqlite(path: text)
    }

    /// Opens the store: an SQLite file is created (with its folder) when `create`, and must exist
    /// otherwise; a PostgreSQL database must exist and is brought up to the current schema.
    public func open(create: Bool) throws -> any ResultsStore {
        switch self {
        case .sqlite(let path): create ? try SQLiteStore(path: path) : try SQLiteStore.openExisting(path: path)
        case .postgres(let location): try PostgresStore(location: location)
        }
    }

    /// Opens an existing store read-only: an SQLite file through a read-only connection, a PostgreSQL
    /// database in sessions whose transactions are read-only; neither is migrated (an older schema is
    /// an error, `StoreError.outdatedSchema`). What `serve` reads through.
    public func openReadOnly() throws -> any ResultsStore {
        switch self {
        case .sqlite(let path): try SQLiteStore.openReadOnly(path: path)
        case .postgres(let location): try PostgresStore(location: location, readOnly: true)
        }
    }

    /// Opens an existing store for commands that only read (`report`, `status`, `query`): read-only
    /// when its schema is current, so that reading a store (a committed snapshot, say) leaves the
    /// file as it was; a store with an older schema is brought up to date first (`open(create: false)`).
    public func openForReading() throws -> any ResultsStore {
        do {
            return try openReadOnly()
        } catch StoreError.outdatedSchema {
            return try open(create: false)
        }
    }

    /// Where checkpoints go unless given: `checkpoints/` beside an SQLite file; nil for PostgreSQL,
    /// whose workers may run on several machines and need a directory they all reach.
    public var defaultCheckpointDirectory: URL? {
        switch self {
        case .sqlite(let path): URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("checkpoints")
        case .postgres: nil
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let location): location.description
        }
    }
}
