import Dispatch
import Foundation

/// Runs async work from a plain thread and waits for it: the bridge between the synchronous
/// `ResultsStore` calls (the runner's worker threads, the CLI's main thread, the tests) and
/// PostgresNIO's async API.
///
/// The work runs on a task executor of its own (threads of a private dispatch queue), never on
/// Swift's cooperative pool: a caller blocked here may itself be one of the pool's few threads, and
/// work waiting for a pool thread would then never start.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Locked<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        guard let result = outcome.value else { preconditionFailure("Blocking.run: the task did not finish") }
        return try result.get()
    }

    /// The executor of every task that store code starts (also the client's long-running one).
    static let executor = QueueExecutor()

    /// A task executor that runs jobs on a concurrent dispatch queue.
    final class QueueExecutor: TaskExecutor {
        private let queue = DispatchQueue(label: "auxsweep.store", attributes: .concurrent)

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }
}
