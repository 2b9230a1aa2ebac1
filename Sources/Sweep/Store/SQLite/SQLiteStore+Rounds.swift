import Foundation
import GRDB

/// An adaptive sweep's plan and rounds in SQLite (tables `adaptive_plans` and `rounds`).
extension SQLiteStore {
    public func adaptiveState(sweep: String) throws -> AdaptiveState? {
        try read { db in try Self.adaptiveState(sweep: sweep, db, location: location) }
    }

    public func advanceRounds(sweep: String) throws -> RoundAdvance {
        // Most calls find a fixed sweep, a stopped one or a round still running: a read says so
        // without the write lock (the transaction below checks again).
        let quick = try read { db -> RoundAdvance? in
            guard let state = try Self.adaptiveState(sweep: sweep, db, location: location) else { return .finished }
            if state.hasStopped { return .finished }
            let open = try JobRecord.filter(Column("sweep") == sweep)
                .filter(![JobStatus.done.rawValue, JobStatus.failed.rawValue].contains(Column("status"))).fetchCount(db)
            return open > 0 ? .waiting : nil
        }
        if let quick { return quick }
        return try write { db in
            guard let state = try Self.adaptiveState(sweep: sweep, db, location: location) else { return .finished }
            let jobs = try JobRecord.filter(Column("sweep") == sweep).order(Column("id")).fetchAll(db)
            let finals = try Row.fetchAll(db, sql: """
                SELECT e.job, e.miou FROM evals e JOIN jobs j ON j.id = e.job
                WHERE j.sweep = ? AND j.status = 'done' AND e.iteration = (SELECT MAX(iteration) FROM evals WHERE job = e.job)
                """, arguments: [sweep])
            let finalMIoU = Dictionary(finals.map { (row: Row) -> (Int64, Double) in (row["job"], row["miou"]) }) { a, _ in a }
            switch state.nextStep(jobs: jobs, finalMIoU: finalMIoU) {
            case .finished: return .finished
            case .waiting: return .waiting
            case .decide(let decided, let next, let keys):
                try db.execute(sql: "UPDATE rounds SET decision = ?, decided = ? WHERE sweep = ? AND round = ?",
                               arguments: [decided.decision.map(RoundCoding.json), decided.decided, sweep, decided.round])
                guard let next else { return .stopped(round: decided.round) }
                try Self.insert(next, db)
                for key in keys {
                    var job = JobRecord(sweep: sweep, auxWeight: key.auxWeight, seed: key.seed, status: .pending, attempt: 0,
                                        checkpointIteration: 0)
                    try job.insert(db, onConflict: .ignore)
                }
                return .planned(round: next.round, jobs: keys.count)
            }
        }
    }

    /// Records an adaptive sweep's plan and first round (nothing when they are there).
    static func registerPlan(_ spec: SweepSpec, _ db: Database) throws {
        guard let plan = spec.adaptive, let first = spec.firstRound else { return }
        try write(AdaptiveState(plan: plan, rounds: [first]), sweep: spec.name, db)
    }

    /// Writes `state` for `sweep` as it is (a restore; a plan or round already there stays).
    static func write(_ state: AdaptiveState, sweep: String, _ db: Database) throws {
        let plan = state.plan
        try db.execute(sql: """
            INSERT OR IGNORE INTO adaptive_plans (sweep, initial, step, max, until_weights, alpha) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [sweep, plan.initial, plan.step, plan.max, plan.untilWeights, plan.alpha])
        for round in state.rounds {
            var copy = round
            copy.sweep = sweep
            try insert(copy, db)
        }
    }

    /// Inserts a round with its decision if it has one (nothing when the round is there).
    static func insert(_ round: SweepRound, _ db: Database) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO rounds (sweep, round, seeds, weights, decision, decided) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [round.sweep, round.round, round.seeds, RoundCoding.json(round.weights),
                             round.decision.map(RoundCoding.json), round.decided])
    }

    static func adaptiveState(sweep: String, _ db: Database, location: String) throws -> AdaptiveState? {
        guard let p = try Row.fetchOne(db, sql: "SELECT * FROM adaptive_plans WHERE sweep = ?", arguments: [sweep]) else { return nil }
        let plan = try RoundCoding.plan(initial: p["initial"], step: p["step"], max: p["max"], untilWeights: p["until_weights"],
                                        alpha: p["alpha"], location: location)
        let rounds = try Row.fetchAll(db, sql: "SELECT * FROM rounds WHERE sweep = ? ORDER BY round", arguments: [sweep]).map { r in
            let decision: String? = r["decision"]
            return SweepRound(sweep: sweep, round: r["round"], seeds: r["seeds"],
                              weights: try RoundCoding.decode([Double].self, json: r["weights"], location: location),
                              decision: try decision.map { try RoundCoding.decode(RoundDecision.self, json: $0, location: location) },
                              decided: r["decided"])
        }
        return AdaptiveState(plan: plan, rounds: rounds)
    }
}
