import Dispatch
import Foundation
import Sweep

/// Runs the store's blocking calls one at a time on a queue of their own: never on Swift's
/// cooperative pool, whose few threads serve HTTP, and never more than one query of the dashboard in
/// flight against the store a sweep is writing to.
final class StoreReader: Sendable {
    let store: any ResultsStore
    private let queue = DispatchQueue(label: "auxsweep.dashboard.store")
    private let counter = Locked(0)

    /// How many reads have reached the store.
    var reads: Int { counter.value }

    init(store: any ResultsStore) {
        self.store = store
    }

    /// `body` on the store, off the cooperative pool. An SQLite file that is no longer at its path
    /// (moved or deleted while served: its open connection would go on reading the old file) is an
    /// error, as a PostgreSQL server that does not answer is.
    func read<T: Sendable>(_ body: @escaping @Sendable (any ResultsStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                self.counter.withLock { $0 += 1 }
                continuation.resume(with: Result {
                    if let file = self.store as? SQLiteStore, !FileManager.default.fileExists(atPath: file.path) {
                        throw DashboardError.storeUnavailable("\(file.path): the database file is gone (moved or deleted)")
                    }
                    return try body(self.store)
                })
            }
        }
    }
}
