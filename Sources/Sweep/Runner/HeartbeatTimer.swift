import Foundation

/// Beats the heartbeat of every job a runner holds, on a thread of its own, so a job stays live
/// through long steps and evaluations; notes the claims the store refuses (another worker took the
/// job), which the job's loop then stops without writing.
final class HeartbeatTimer: @unchecked Sendable {
    private let store: any ResultsStore
    private let interval: TimeInterval
    private let condition = NSCondition()
    private var held: Set<JobClaim> = []
    private var lost: Set<JobClaim> = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// A timer that beats every `interval` seconds once started.
    init(store: any ResultsStore, interval: TimeInterval) {
        precondition(interval > 0, "a heartbeat interval is positive, got \(interval)")
        self.store = store
        self.interval = interval
    }

    /// Starts the beating thread.
    func start() {
        let thread = Thread { [self] in
            beat()
            finished.signal()
        }
        thread.name = "auxsweep heartbeat"
        condition.withLock { started = true }
        thread.start()
    }

    /// Stops the thread (after its current beat) and waits for it.
    func stop() {
        let wasStarted = condition.withLock {
            stopped = true
            condition.broadcast()
            return started
        }
        if wasStarted { finished.wait() }
    }

    /// Beats for `claim` from now on.
    func hold(_ claim: JobClaim) { condition.withLock { _ = held.insert(claim) } }

    /// Stops beating for `claim`.
    func release(_ claim: JobClaim) { condition.withLock { held.remove(claim); lost.remove(claim) } }

    /// Whether the store refused a beat for `claim`: another worker holds the job now.
    func isLost(_ claim: JobClaim) -> Bool { condition.withLock { lost.contains(claim) } }

    private func beat() {
        condition.lock()
        while !stopped {
            _ = condition.wait(until: Date().addingTimeInterval(interval))
            if stopped { break }
            let claims = held
            condition.unlock()
            var refused: [JobClaim] = []
            for claim in claims {
                do {
                    try store.heartbeat(claim)
                } catch StoreError.claimLost {
                    refused.append(claim)
                } catch {
                    // A store that cannot be reached now: the job's own next write meets the same
                    // problem and reports it; the next beat tries again.
                }
            }
            condition.lock()
            for claim in refused where held.contains(claim) { lost.insert(claim) }
        }
        condition.unlock()
    }
}
