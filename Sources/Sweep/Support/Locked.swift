import Synchronization

/// A value that threads share, read and changed only under its lock.
///
/// A class around `Mutex`: a mutex cannot be captured by the escaping closures that threads, dispatch
/// queues and tasks run; a reference to this can. The one shared box of the project (a count of workers
/// that ended, the first error, a task's outcome handed to a waiting thread).
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    /// A box holding `value`.
    public init(_ value: Value) { mutex = Mutex(value) }

    /// The value now.
    public var value: Value { mutex.withLock { $0 } }

    /// Runs `body` on the value under the lock and returns what it returns.
    @discardableResult
    public func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { value in body(&value) }
    }
}
