import Foundation
import GRDB

/// The database schema, as named migrations that are never edited once shipped (add new ones).
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: sweeps, jobs, steps, evals") { db in
            try db.create(table: "sweeps") { t in
                t.primaryKey("name", .text)
                t.column("spec", .text).notNull()
                t.column("spec_hash", .text).notNull()
                t.column("created", .datetime).notNull()
            }
            try db.create(table: "jobs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sweep", .text).notNull().references("sweeps", onDelete: .cascade)
                t.column("aux_weight", .double).notNull()
                t.column("seed", .integer).notNull()
                t.column("status", .text).notNull()
                t.column("attempt", .integer).notNull().defaults(to: 0)
                t.column("worker", .text)
                t.column("host", .text)
                t.column("pid", .integer)
                t.column("heartbeat", .datetime)
                t.column("started", .datetime)
                t.column("finished", .datetime)
                t.column("error", .text)
                t.column("checkpoint_iteration", .integer).notNull().defaults(to: 0)
                t.uniqueKey(["sweep", "aux_weight", "seed"])
            }
            try db.create(table: "steps") { t in
                t.column("job", .integer).notNull().references("jobs", onDelete: .cascade)
                t.column("iteration", .integer).notNull()
                t.column("lr", .double).notNull()
                t.column("main_loss", .double).notNull()
                t.column("aux_loss", .double).notNull()
                t.column("total_loss", .double).notNull()
                t.primaryKey(["job", "iteration"])
            }
            try db.create(table: "evals") { t in
                t.column("job", .integer).notNull().references("jobs", onDelete: .cascade)
                t.column("iteration", .integer).notNull()
                t.column("miou", .double).notNull()
                t.column("pixel_acc", .double).notNull()
                t.column("class_iou", .text).notNull()
                t.primaryKey(["job", "iteration"])
            }
            // A job's final metrics are one query away.
            try db.execute(sql: """
                CREATE VIEW final_metrics AS
                SELECT j.sweep, j.aux_weight, j.seed, j.status, e.iteration, e.miou, e.pixel_acc, e.class_iou
                FROM jobs j LEFT JOIN evals e ON e.job = j.id
                  AND e.iteration = (SELECT MAX(iteration) FROM evals WHERE job = j.id)
                """)
        }
        migrator.registerMigration("v2: store id") { db in
            // One row: the database's identity, made once when it is created. Checkpoint files carry
            // it, so a file is trusted only by the database that wrote it.
            try db.create(table: "store") { t in
                t.primaryKey("id", .text)
                t.column("created", .datetime).notNull()
            }
            try db.execute(sql: "INSERT INTO store (id, created) VALUES (?, ?)",
                           arguments: [UUID().uuidString.lowercased(), Date()])
        }
        migrator.registerMigration("v3: claim grace") { db in
            // The grace period the claiming worker promised: others judge its heartbeat by it.
            try db.alter(table: "jobs") { t in t.add(column: "grace", .double) }
        }
        migrator.registerMigration("v4: adaptive rounds") { db in
            // An adaptive sweep's plan (seeds: {initial, step, max}, until: {weights}) and its rounds:
            // the weights each ran, and once its jobs ended what was decided (RoundDecision as JSON).
            try db.create(table: "adaptive_plans") { t in
                t.primaryKey("sweep", .text).references("sweeps", onDelete: .cascade)
                t.column("initial", .integer).notNull()
                t.column("step", .integer).notNull()
                t.column("max", .integer).notNull()
                t.column("until_weights", .integer)
                t.column("alpha", .double).notNull()
            }
            try db.create(table: "rounds") { t in
                t.column("sweep", .text).notNull().references("sweeps", onDelete: .cascade)
                t.column("round", .integer).notNull()
                t.column("seeds", .integer).notNull()
                t.column("weights", .text).notNull()
                t.column("decision", .text)
                t.column("decided", .datetime)
                t.primaryKey(["sweep", "round"])
            }
        }
        return migrator
    }
}
