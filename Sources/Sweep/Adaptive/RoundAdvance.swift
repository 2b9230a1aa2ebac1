import Foundation

/// What a worker finds when it has nothing to claim in an adaptive sweep (`ResultsStore.advanceRounds`).
public enum RoundAdvance: Sendable, Equatable {
    /// The sweep needs no more jobs: it is fixed, or its last round decided to stop.
    case finished
    /// Jobs of the current round are still running elsewhere: wait and claim again.
    case waiting
    /// A round was decided and the next one's jobs were added: claim again.
    case planned(round: Int, jobs: Int)
    /// This call decided round `round` and it stopped the sweep: no more jobs.
    case stopped(round: Int)
}
