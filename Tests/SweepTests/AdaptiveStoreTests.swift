import Foundation
import Segmentation
@testable import Sweep
import Testing

/// What every store does with an adaptive sweep (part of the conformance suite, run against each
/// implementation): plan and first round at registration, rounds decided once all their jobs ended,
/// exactly once however many processes ask, the next round's jobs in the same transaction, and the
/// whole state kept by a copy.
@Suite("Results store conformance: adaptive rounds")
struct AdaptiveStoreTests {
    static let spec = """
        name: adapt
        aux_weights: [0.0, 0.5, 1.0]
        seeds: {initial: 2, step: 2, max: 6}
        """

    /// Final mIoU by weight and seed: w = 0 far below (dropped after round 1, even with two seeds),
    /// 0.5 and 1.0 within noise of each other.
    static func miou(_ w: Double, _ seed: Int64) -> Double {
        let noise = [0.0, 0.01, 0.004, 0.012, 0.003, 0.009][Int(seed)]
        switch w {
        case 0: return 0.40 + noise * 0.999
        case 0.5: return 0.60 + noise * (seed % 2 == 0 ? 1.5 : 0.5)
        default: return 0.60 + noise
        }
    }

    static func registered(_ backend: StoreBackend, text: String = spec) throws -> any ResultsStore {
        let store = try backend.makeStore()
        try store.register(try SpecParser.parse(text, file: "adapt.yaml"), text: text)
        return store
    }

    /// Claims and finishes every job there is to claim now; returns how many.
    @discardableResult
    static func finishClaimable(_ store: any ResultsStore, sweep: String = "adapt") throws -> Int {
        var count = 0
        while let job = try store.claim(sweep: sweep, worker: JobWorker(name: "t")) {
            try store.record(job.claim, steps: [], evaluations: [StoreConformanceTests.evaluation(10, miou: miou(job.auxWeight, job.seed))],
                             status: .done)
            count += 1
        }
        return count
    }

    @Test("registering plans round 1 only; the round is decided once its jobs end, and the next planned with it; a stop is final",
          arguments: StoreBackend.allCases)
    func rounds(_ backend: StoreBackend) throws {
        let store = try Self.registered(backend)
        try store.register(try SpecParser.parse(Self.spec, file: "adapt.yaml"), text: Self.spec)
        let state = try #require(try store.adaptiveState(sweep: "adapt"))
        #expect(state.plan == AdaptiveSeeds(initial: 2, step: 2, max: 6))
        #expect(state.rounds == [SweepRound(sweep: "adapt", round: 1, seeds: 2, weights: [0, 0.5, 1])])
        #expect(try store.jobSummaries(JobFilter(sweep: "adapt")).map { "\($0.job.auxWeight)/\($0.job.seed)" }
            == ["0.0/0", "0.0/1", "0.5/0", "0.5/1", "1.0/0", "1.0/1"])
        // Pending jobs: nothing to decide yet.
        #expect(try store.advanceRounds(sweep: "adapt") == .waiting)
        // One job still running elsewhere: wait.
        let held = try #require(try store.claim(sweep: "adapt", worker: JobWorker(name: "elsewhere")))
        #expect(try Self.finishClaimable(store) == 5)
        #expect(try store.advanceRounds(sweep: "adapt") == .waiting)
        try store.record(held.claim, steps: [], evaluations: [StoreConformanceTests.evaluation(10, miou: Self.miou(held.auxWeight, held.seed))],
                         status: .done)

        #expect(try store.advanceRounds(sweep: "adapt") == .planned(round: 2, jobs: 4))
        let afterOne = try #require(try store.adaptiveState(sweep: "adapt"))
        let first = try #require(afterOne.rounds.first?.decision)
        #expect(first.best == 1.0 && first.dropped == [0.0] && first.kept == [0.5, 1.0] && first.stop == nil)
        #expect(first.level == 0.05 / 3 && first.tests.map(\.auxWeight) == [0.0, 0.5])
        #expect(afterOne.rounds.first?.decided != nil)
        #expect(afterOne.rounds.last == SweepRound(sweep: "adapt", round: 2, seeds: 4, weights: [0.5, 1.0]))
        let pending = try store.jobSummaries(JobFilter(sweep: "adapt", status: .pending)).map { "\($0.job.auxWeight)/\($0.job.seed)" }
        #expect(pending == ["0.5/2", "0.5/3", "1.0/2", "1.0/3"])
        // Asking again decides nothing twice.
        #expect(try store.advanceRounds(sweep: "adapt") == .waiting)

        #expect(try Self.finishClaimable(store) == 4)
        #expect(try store.advanceRounds(sweep: "adapt") == .planned(round: 3, jobs: 4))
        #expect(try Self.finishClaimable(store) == 4)
        #expect(try store.advanceRounds(sweep: "adapt") == .stopped(round: 3))
        let final = try #require(try store.adaptiveState(sweep: "adapt"))
        #expect(final.rounds.map(\.seeds) == [2, 4, 6] && final.hasStopped)
        #expect(final.rounds.last?.decision?.stop == .maxSeeds && final.rounds.last?.decision?.kept == [0.5, 1.0])
        #expect(try store.advanceRounds(sweep: "adapt") == .finished)
        #expect(try store.jobSummaries(JobFilter(sweep: "adapt")).count == 14)
        // The report shows the rounds and marks the dropped weight.
        let ablation = try store.ablationReport(sweep: "adapt")
        let report = ablation.rendered(.table)
        #expect(report.contains("dropped after round 1") && report.contains(final.rounds[0].summary), "\(report)")
        // The dropped weight does not compete for best (its two seeds against the others' six).
        #expect(ablation.rows.first?.probabilityBest.isNaN == true && [0.5, 1.0].contains(ablation.best?.auxWeight ?? -1))
        #expect(ablation.best?.tied.contains(0) == false)

        // A fixed sweep has no rounds: nothing more after its jobs.
        #expect(try store.adaptiveState(sweep: "nonesuch") == nil)
        #expect(try store.advanceRounds(sweep: "nonesuch") == .finished)

        // A copy keeps plan, rounds and decisions.
        let copy = try backend.makeStore()
        try copy.restore(try store.archive(sweep: "adapt"))
        #expect(try copy.adaptiveState(sweep: "adapt") == final)
        #expect(try copy.advanceRounds(sweep: "adapt") == .finished)
    }

    @Test("four threads asking at once when a round ends: one decides and plans, the round's jobs are added once",
          arguments: StoreBackend.allCases)
    func concurrentAdvance(_ backend: StoreBackend) throws {
        let store = try Self.registered(backend)
        try Self.finishClaimable(store)
        let outcomes = ConcurrentLog<RoundAdvance>()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { outcomes.add(try store.advanceRounds(sweep: "adapt")) } catch { outcomes.fail(error) }
        }
        #expect(outcomes.errors.isEmpty, "\(outcomes.errors)")
        #expect(outcomes.values.filter { $0 == .planned(round: 2, jobs: 4) }.count == 1)
        #expect(outcomes.values.filter { $0 == .waiting }.count == 3)
        #expect(try store.adaptiveState(sweep: "adapt")?.rounds.count == 2)
        #expect(try store.jobSummaries(JobFilter(sweep: "adapt")).count == 10)
    }

    @Test("until.weights stops the sweep once that many weights are left", arguments: StoreBackend.allCases)
    func until(_ backend: StoreBackend) throws {
        let store = try Self.registered(backend, text: Self.spec + "\nuntil: {weights: 2}\n")
        try Self.finishClaimable(store)
        #expect(try store.advanceRounds(sweep: "adapt") == .stopped(round: 1))
        #expect(try store.advanceRounds(sweep: "adapt") == .finished)
        let decision = try #require(try store.adaptiveState(sweep: "adapt")?.rounds.last?.decision)
        #expect(decision.stop == .untilWeights && decision.kept == [0.5, 1.0])
        #expect(try store.jobSummaries(JobFilter(sweep: "adapt")).count == 6)
    }
}
