import Foundation

/// A flag that asks every worker to stop at its next step boundary (Ctrl-C, SIGTERM).
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    public init() {}

    /// Asks the workers to stop.
    public func raise() { lock.withLock { raised = true } }

    /// Whether a stop was asked for.
    public var isRaised: Bool { lock.withLock { raised } }
}
