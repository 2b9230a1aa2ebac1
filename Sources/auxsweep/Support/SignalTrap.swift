import Foundation
import Synchronization

/// The last SIGINT or SIGTERM the process received (0: none), set by the signal handler.
private let receivedSignal = Atomic<Int32>(0)

/// Turns SIGINT and SIGTERM into a stop request while a sweep runs.
///
/// The handler only stores the signal in an atomic (async-signal-safe), so no signal is lost between
/// installing it and the sweep's first step: a `StopSignal(alsoWhen: { trap.received })` sees it at
/// the workers' next step boundary. A timer prints the one-line notice.
final class SignalTrap: @unchecked Sendable {
    private let notice: DispatchSourceTimer

    /// Installs the handler on the calling (main) thread, which also unblocks both signals there: a
    /// parent may have started the process with them blocked (the mask is inherited), and a blocked
    /// signal would never reach the handler.
    init() {
        // Initialise the global here, not first inside the handler (lazy initialisation is not
        // async-signal-safe).
        _ = receivedSignal.load(ordering: .relaxed)
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { number in receivedSignal.store(number, ordering: .relaxed) }
            sigaddset(&set, sig)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        notice = DispatchSource.makeTimerSource(queue: .global())
        notice.schedule(deadline: .now(), repeating: 0.1)
        notice.setEventHandler { [notice] in
            guard receivedSignal.load(ordering: .relaxed) != 0 else { return }
            printError("\nstopping: finishing the current step of every worker...")
            notice.cancel()
        }
        notice.resume()
    }

    /// Whether SIGINT or SIGTERM arrived since the trap was installed.
    var received: Bool { receivedSignal.load(ordering: .relaxed) != 0 }

    /// The last signal that arrived (SIGINT or SIGTERM; 0: none).
    var number: Int32 { receivedSignal.load(ordering: .relaxed) }

    /// Restores the default handling.
    func release() {
        notice.cancel()
        for sig in [SIGINT, SIGTERM] { signal(sig, SIG_DFL) }
    }
}
