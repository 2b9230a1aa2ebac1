import Foundation

/// An adaptive sweep as the store holds it: its plan and its rounds so far, in order.
public struct AdaptiveState: Sendable, Equatable {
    public var plan: AdaptiveSeeds
    public var rounds: [SweepRound]

    public init(plan: AdaptiveSeeds, rounds: [SweepRound]) {
        self.plan = plan
        self.rounds = rounds
    }

    /// The round running now or, when the sweep has stopped, the last.
    public var current: SweepRound? { rounds.last }

    /// Whether the last round decided to stop.
    public var hasStopped: Bool { current?.decision?.stop != nil }

    /// What a store with nothing left to claim does next, given every job of the sweep with its final
    /// mIoU (by job id, done jobs only): nothing (stopped), wait (jobs still running), or decide the
    /// current round and plan the next (its jobs: the kept weights x the new seeds).
    func nextStep(jobs: [JobRecord], finalMIoU: [Int64: Double], now: Date = Date()) -> NextStep {
        guard let round = current, round.decision == nil else { return .finished }
        guard jobs.allSatisfy({ $0.status.hasEnded }) else { return .waiting }
        var miou: [Double: [Int64: Double]] = [:]
        for job in jobs where job.status == .done {
            if let id = job.id, let value = finalMIoU[id] { miou[job.auxWeight, default: [:]][job.seed] = value }
        }
        let (decision, next) = RoundDecider.decide(round, plan: plan, miou: miou)
        var decided = round
        decided.decision = decision
        decided.decided = now
        let newJobs = next.map { n in
            n.weights.flatMap { w in (round.seeds..<n.seeds).map { JobKey(auxWeight: w, seed: Int64($0)) } }
        } ?? []
        return .decide(decided, next: next, jobs: newJobs)
    }

    enum NextStep: Equatable {
        case finished, waiting
        /// Record `decided` (the current round with its decision), insert `next` and its `jobs`.
        case decide(SweepRound, next: SweepRound?, jobs: [JobKey])
    }
}
