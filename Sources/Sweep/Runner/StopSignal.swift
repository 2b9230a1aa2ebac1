import Foundation

/// A flag that asks every worker to stop at its next step boundary (Ctrl-C, SIGTERM).
public final class StopSignal: Sendable {
    private let raised = Locked(false)
    private let external: @Sendable () -> Bool

    /// A stop raised by `raise()`, or also whenever `alsoWhen` returns true (a signal handler's flag).
    public init(alsoWhen external: @escaping @Sendable () -> Bool = { false }) {
        self.external = external
    }

    /// Asks the workers to stop.
    public func raise() { raised.withLock { $0 = true } }

    /// Sleeps up to `seconds`, waking early (within 0.1 s) when a stop is asked for.
    public func wait(seconds: TimeInterval) {
        let deadline = Date().addingTimeInterval(seconds)
        while !isRaised, Date() < deadline { Thread.sleep(forTimeInterval: min(0.1, max(0, deadline.timeIntervalSinceNow))) }
    }

    /// Whether a stop was asked for.
    public var isRaised: Bool { raised.value || external() }
}
