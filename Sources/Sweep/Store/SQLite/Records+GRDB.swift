import GRDB

// The records as GRDB reads and writes them: tables named as in `Schema`, columns by the records'
// coding keys. Only the SQLite store sees these conformances' use.

extension SweepRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sweeps"
}

extension JobStatus: DatabaseValueConvertible {}

extension JobRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "jobs"

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension StepRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "steps"
}

extension EvaluationRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "evals"
}
