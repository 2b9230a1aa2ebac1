import Foundation
import Logging
import PostgresNIO

/// An adaptive sweep's plan and rounds in PostgreSQL (tables `adaptive_plans` and `rounds`).
extension PostgresStore {
    public func adaptiveState(sweep: String) throws -> AdaptiveState? {
        let location = location
        return try transaction { db, logger in try await Self.adaptiveState(sweep: sweep, db, logger, location: location) }
    }

    public func advanceRounds(sweep: String) throws -> RoundAdvance {
        let location = location
        // Most calls find a fixed sweep, a stopped one or a round still running: a plain read says so
        // without the planning lock (the transaction below checks again).
        let quick = try transaction { db, logger -> RoundAdvance? in
            guard let state = try await Self.adaptiveState(sweep: sweep, db, logger, location: location) else { return .finished }
            if state.hasStopped { return .finished }
            var open = 0
            for try await (count) in try await db.query(
                "SELECT count(*) FROM jobs WHERE sweep = \(sweep) AND status NOT IN ('done', 'failed')", logger: logger)
                .decode(Int64.self) { open = Int(count) }
            return open > 0 ? .waiting : nil
        }
        if let quick { return quick }
        return try transaction { db, logger -> RoundAdvance in
            // The plan's row is the sweep's planning lock: processes advancing its rounds take turns here.
            var planned = false
            for try await _ in try await db.query("SELECT sweep FROM adaptive_plans WHERE sweep = \(sweep) FOR UPDATE", logger: logger) {
                planned = true
            }
            guard planned, let state = try await Self.adaptiveState(sweep: sweep, db, logger, location: location) else { return .finished }
            var jobs: [JobRecord] = []
            for try await row in try await db.query(
                "SELECT \(unescaped: PostgresSchema.jobColumns) FROM jobs WHERE sweep = \(sweep) ORDER BY id", logger: logger) {
                jobs.append(try PostgresSchema.job(row))
            }
            var finalMIoU: [Int64: Double] = [:]
            for try await (job, miou) in try await db.query("""
                SELECT e.job, e.miou FROM evals e JOIN jobs j ON j.id = e.job
                WHERE j.sweep = \(sweep) AND j.status = 'done' AND e.iteration = (SELECT MAX(iteration) FROM evals WHERE job = e.job)
                """, logger: logger).decode((Int64, Double).self) { finalMIoU[job] = miou }
            switch state.nextStep(jobs: jobs, finalMIoU: finalMIoU) {
            case .finished: return .finished
            case .waiting: return .waiting
            case .decide(let decided, let next, let keys):
                try await db.query("""
                    UPDATE rounds SET decision = \(decided.decision.map(RoundCoding.json)), decided = \(decided.decided)
                    WHERE sweep = \(sweep) AND round = \(decided.round)
                    """, logger: logger)
                guard let next else { return .stopped(round: decided.round) }
                try await Self.insert(next, db, logger)
                try await db.query("""
                    INSERT INTO jobs (sweep, aux_weight, seed, status, attempt, checkpoint_iteration)
                    SELECT \(sweep), k.w, k.s, 'pending', 0, 0 FROM unnest(\(keys.map(\.auxWeight))::float8[], \(keys.map(\.seed))::int8[])
                      WITH ORDINALITY AS k(w, s, i)
                    ORDER BY k.i
                    ON CONFLICT (sweep, aux_weight, seed) DO NOTHING
                    """, logger: logger)
                return .planned(round: next.round, jobs: keys.count)
            }
        }
    }

    /// Records an adaptive sweep's plan and first round (nothing when they are there).
    static func registerPlan(_ spec: SweepSpec, _ db: PostgresConnection, _ logger: Logger) async throws {
        guard let plan = spec.adaptive, let first = spec.firstRound else { return }
        try await write(AdaptiveState(plan: plan, rounds: [first]), sweep: spec.name, db, logger)
    }

    /// Writes `state` for `sweep` as it is (a restore; a plan or round already there stays).
    static func write(_ state: AdaptiveState, sweep: String, _ db: PostgresConnection, _ logger: Logger) async throws {
        let plan = state.plan
        try await db.query("""
            INSERT INTO adaptive_plans (sweep, initial, step, max, until_weights, alpha)
            VALUES (\(sweep), \(plan.initial), \(plan.step), \(plan.max), \(plan.untilWeights), \(plan.alpha))
            ON CONFLICT (sweep) DO NOTHING
            """, logger: logger)
        for round in state.rounds {
            var copy = round
            copy.sweep = sweep
            try await insert(copy, db, logger)
        }
    }

    /// Inserts a round with its decision if it has one (nothing when the round is there).
    static func insert(_ round: SweepRound, _ db: PostgresConnection, _ logger: Logger) async throws {
        try await db.query("""
            INSERT INTO rounds (sweep, round, seeds, weights, decision, decided)
            VALUES (\(round.sweep), \(round.round), \(round.seeds), \(RoundCoding.json(round.weights)),
              \(round.decision.map(RoundCoding.json)), \(round.decided))
            ON CONFLICT (sweep, round) DO NOTHING
            """, logger: logger)
    }

    static func adaptiveState(sweep: String, _ db: PostgresConnection, _ logger: Logger, location: String) async throws -> AdaptiveState? {
        var plan: AdaptiveSeeds?
        for try await (initial, step, max, until, alpha) in try await db.query(
            "SELECT initial, step, max, until_weights, alpha FROM adaptive_plans WHERE sweep = \(sweep)", logger: logger)
            .decode((Int, Int, Int, Int?, Double).self) {
            plan = try RoundCoding.plan(initial: initial, step: step, max: max, untilWeights: until, alpha: alpha, location: location)
        }
        guard let plan else { return nil }
        var rounds: [SweepRound] = []
        for try await (round, seeds, weights, decision, decided) in try await db.query(
            "SELECT round, seeds, weights, decision, decided FROM rounds WHERE sweep = \(sweep) ORDER BY round", logger: logger)
            .decode((Int, Int, String, String?, Date?).self) {
            rounds.append(SweepRound(sweep: sweep, round: round, seeds: seeds,
                                     weights: try RoundCoding.decode([Double].self, json: weights, location: location),
                                     decision: try decision.map { try RoundCoding.decode(RoundDecision.self, json: $0, location: location) },
                                     decided: decided))
        }
        return AdaptiveState(plan: plan, rounds: rounds)
    }
}
