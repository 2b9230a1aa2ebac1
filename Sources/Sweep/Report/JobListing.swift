import Foundation

/// One job as `query` lists it: its identity, status and progress and its last evaluation, as table or
/// CSV cells and as JSON (snake-case keys, null where there is nothing yet).
public struct JobListing: Encodable, Sendable, Equatable {
    /// The columns of the table and the CSV, which are also the JSON's keys.
    public static let header = ["sweep", "aux_weight", "seed", "status", "attempt", "steps", "iteration", "miou", "pixel_acc", "error"]

    public let sweep: String
    public let auxWeight: Double
    public let seed: Int64
    public let status: JobStatus
    public let attempt: Int
    public let steps: Int
    public let iteration: Int?
    public let miou: Double?
    public let pixelAccuracy: Double?
    public let error: String?

    public init(_ summary: JobSummary) {
        sweep = summary.job.sweep
        auxWeight = summary.job.auxWeight
        seed = summary.job.seed
        status = summary.job.status
        attempt = summary.job.attempt
        steps = summary.steps
        iteration = summary.iteration
        miou = summary.miou
        pixelAccuracy = summary.pixelAccuracy
        error = summary.job.error
    }

    /// The row's cells in `header`'s order: metrics to 4 decimals when `rounded` (a terminal), in full
    /// otherwise (CSV); empty where there is nothing yet.
    public func cells(rounded: Bool) -> [String] {
        let metric = { (v: Double?) in v.map { rounded ? NumberText.fixed($0) : String($0) } ?? "" }
        return [sweep, String(auxWeight), "\(seed)", status.rawValue, "\(attempt)", "\(steps)", iteration.map(String.init) ?? "",
                metric(miou), metric(pixelAccuracy), error ?? ""]
    }

    enum CodingKeys: String, CodingKey { case sweep, auxWeight, seed, status, attempt, steps, iteration, miou, pixelAccuracy = "pixel_acc", error }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sweep, forKey: .sweep)
        try c.encode(auxWeight, forKey: .auxWeight)
        try c.encode(seed, forKey: .seed)
        try c.encode(status, forKey: .status)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(steps, forKey: .steps)
        try c.encode(OrNull(iteration), forKey: .iteration)
        try c.encode(OrNull(miou), forKey: .miou)
        try c.encode(OrNull(pixelAccuracy), forKey: .pixelAccuracy)
        try c.encode(OrNull(error), forKey: .error)
    }
}
