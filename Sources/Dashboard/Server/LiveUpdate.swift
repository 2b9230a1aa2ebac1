/// One event of a sweep's stream: what changed after the version the page has, with the texts the
/// page shows (so the script formats nothing itself).
struct LiveUpdate: Codable, Sendable {
    /// A changed cell as the grid shows it.
    struct Cell: Codable, Sendable {
        var key: String
        var status: String
        var label: String
        var hover: String
    }

    var version: Int
    var reportVersion: Int
    var countsText: String
    var progressText: String
    var complete: Bool
    var cells: [Cell]

    init(_ changes: SweepChanges) {
        version = changes.version
        reportVersion = changes.reportVersion
        countsText = changes.counts.text
        progressText = changes.progress.text
        complete = changes.complete
        cells = changes.cells.map { Cell(key: $0.key, status: $0.status.rawValue, label: $0.label, hover: $0.hoverText) }
    }
}

/// The stream's failure event: the store cannot be read now (the stream goes on and retries).
struct LiveFailure: Codable, Sendable {
    var message: String
}

/// The stream's event after a failure: the store reads again.
struct LiveRecovery: Codable, Sendable {}

/// An event of the first page's stream: the list of sweeps changed; its version.
struct IndexUpdate: Codable, Sendable {
    var version: Int
}
