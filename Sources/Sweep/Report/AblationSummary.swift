import Foundation

/// Per aux weight: the final mIoU and pixel accuracy over the seeds whose jobs are done, and the jobs
/// that are not (failed or unfinished), never silently dropped.
public struct AblationSummary: Sendable {
    public struct Row: Sendable {
        public let auxWeight: Double
        /// Final mIoU of each done job, by seed.
        public let miou: [Int64: Double]
        public let pixelAccuracy: [Int64: Double]
        public let failed: [Int64]
        public let unfinished: [Int64]

        public var n: Int { miou.count }
        public var meanIoU: Double? { Statistics.mean(Array(miou.values)) }
        public var stdIoU: Double? { Statistics.sampleStandardDeviation(Array(miou.values)) }
        public var meanPixelAccuracy: Double? { Statistics.mean(Array(pixelAccuracy.values)) }
    }

    public let sweep: String
    public let rows: [Row]

    /// Builds the summary of `sweep` from its jobs' last evaluations.
    public init(sweep: String, jobs: [JobSummary]) {
        self.sweep = sweep
        let weights = Array(Set(jobs.map(\.job.auxWeight))).sorted()
        rows = weights.map { w in
            let mine = jobs.filter { $0.job.auxWeight == w }
            var miou: [Int64: Double] = [:], pixel: [Int64: Double] = [:]
            for j in mine where j.job.status == .done {
                if let m = j.miou { miou[j.job.seed] = m }
                if let p = j.pixelAccuracy { pixel[j.job.seed] = p }
            }
            return Row(auxWeight: w, miou: miou, pixelAccuracy: pixel,
                       failed: mine.filter { $0.job.status == .failed }.map(\.job.seed).sorted(),
                       unfinished: mine.filter { ![.done, .failed].contains($0.job.status) }.map(\.job.seed).sorted())
        }
    }

    /// The weight with the highest mean mIoU, if any job is done.
    public var best: Row? {
        rows.filter { $0.meanIoU != nil }.max { ($0.meanIoU ?? 0) < ($1.meanIoU ?? 0) }
    }
}

/// Descriptive statistics over seeds.
public enum Statistics {
    public static func mean(_ x: [Double]) -> Double? {
        x.isEmpty ? nil : x.reduce(0, +) / Double(x.count)
    }

    /// The standard deviation with n - 1 in the denominator (nil for fewer than two values).
    public static func sampleStandardDeviation(_ x: [Double]) -> Double? {
        guard x.count > 1, let m = mean(x) else { return nil }
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }
}
