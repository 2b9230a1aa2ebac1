import Foundation
import Segmentation

/// Training curves of a sweep: main and auxiliary loss and validation mIoU over iterations, one
/// colour per aux weight, averaged over seeds (losses in bins of `binSize` steps).
public struct TrainingCurves: Sendable {
    public struct Series: Sendable {
        public let auxWeight: Double
        public let mainLoss: [(Double, Double)]
        public let auxLoss: [(Double, Double)]
        public let miou: [(Double, Double)]
    }

    public let sweep: String
    public let series: [Series]
    /// Steps per loss bin.
    public let binSize: Int

    /// - Parameter jobs: (weight, steps, evaluations) of every job with rows.
    public init(sweep: String, jobs: [(auxWeight: Double, steps: [StepRecord], evals: [EvaluationRecord])], bins: Int = 50) {
        self.sweep = sweep
        let weights = Array(Set(jobs.map(\.auxWeight))).sorted()
        let maxIteration = jobs.flatMap { $0.steps.map(\.iteration) }.max() ?? 0
        let binSize = max(1, (maxIteration + 1 + bins - 1) / bins)
        self.binSize = binSize
        series = weights.map { w in
            let mine = jobs.filter { $0.auxWeight == w }
            func binned(_ value: (StepRecord) -> Double) -> [(Double, Double)] {
                var sums: [Int: (Double, Int)] = [:]
                for job in mine { for s in job.steps { let b = s.iteration / binSize; sums[b, default: (0, 0)].0 += value(s); sums[b, default: (0, 0)].1 += 1 } }
                return sums.keys.sorted().compactMap { b in sums[b].map { (Double(b * binSize + binSize / 2), $0.0 / Double($0.1)) } }
            }
            var evals: [Int: [Double]] = [:]
            for job in mine { for e in job.evals { evals[e.iteration, default: []].append(e.miou) } }
            return Series(auxWeight: w, mainLoss: binned { Double($0.mainLoss) }, auxLoss: binned { Double($0.auxLoss) },
                          miou: evals.keys.sorted().compactMap { i in evals[i].map { (Double(i), $0.reduce(0, +) / Double($0.count)) } })
        }
    }

    public func svg() -> String {
        let all = series.flatMap { $0.mainLoss + $0.auxLoss }
        let xMax = max((series.flatMap { $0.mainLoss + $0.miou }.map(\.0).max() ?? 1), 1)
        let lossMax = max(all.map(\.1).max() ?? 1, 1e-6)
        let miou = series.flatMap(\.miou).map(\.1)
        let panels = [
            SVGPanel(x: 0, y: 0, width: 420, height: 360, xRange: 0...xMax, yRange: 0...lossMax, title: "main loss",
                     xLabel: "iteration", yLabel: "cross-entropy (mean over seeds)"),
            SVGPanel(x: 420, y: 0, width: 420, height: 360, xRange: 0...xMax, yRange: 0...lossMax, title: "auxiliary loss",
                     xLabel: "iteration", yLabel: "cross-entropy (mean over seeds)"),
            SVGPanel(x: 840, y: 0, width: 520, height: 360, xRange: 0...xMax, yRange: 0...max(miou.max() ?? 1, 0.05) * 1.05,
                     title: "validation mIoU", xLabel: "iteration", yLabel: "mIoU (mean over seeds)", legendWidth: 100),
        ]
        var body = panels.map { $0.frame() }.joined()
        for (i, s) in series.enumerated() {
            let colour = plotPalette[i % plotPalette.count]
            body += panels[0].line(s.mainLoss, colour: colour)
            body += panels[1].line(s.auxLoss, colour: colour)
            body += panels[2].line(s.miou, colour: colour)
        }
        body += panels[2].legend(series.enumerated().map { ("w = \(AblationReport.weight($0.element.auxWeight))", plotPalette[$0.offset % plotPalette.count], false) })
        body += "<text x=\"10\" y=\"378\" font-size=\"11\">Sweep \(escape(sweep)): losses averaged over seeds in bins of \(binSize) iterations; "
            + "mIoU at each evaluation, averaged over seeds</text>\n"
        return svgDocument(width: 1360, height: 385, body)
    }
}
