import Foundation
import Segmentation

/// One job's training, as SVG: its main, auxiliary and total loss over iterations (left) and its
/// evaluations' mIoU and pixel accuracy (right); what the dashboard's job page shows.
public struct JobCurves: Sendable {
    /// A loss curve: (iteration, mean over a bin of steps).
    public typealias Curve = [(Double, Double)]

    public let title: String
    public let mainLoss: Curve
    public let auxLoss: Curve
    public let totalLoss: Curve
    public let miou: Curve
    public let pixelAccuracy: Curve
    /// Steps per loss bin.
    public let binSize: Int

    /// - Parameters:
    ///   - title: what the plot is of (e.g. "Sweep paper, w = 0.4, seed 3").
    ///   - steps: the job's steps; binned to at most `bins` points per curve.
    public init(title: String, steps: [StepRecord], evaluations: [EvaluationRecord], bins: Int = 300) {
        precondition(bins > 0, "a curve has at least one bin, got \(bins)")
        self.title = title
        let lastIteration = steps.map(\.iteration).max() ?? 0
        let binSize = max(1, (lastIteration + 1 + bins - 1) / bins)
        self.binSize = binSize
        func binned(_ value: (StepRecord) -> Double) -> Curve {
            var sums: [Int: (sum: Double, count: Int)] = [:]
            for s in steps where value(s).isFinite {
                sums[s.iteration / binSize, default: (0, 0)].sum += value(s)
                sums[s.iteration / binSize, default: (0, 0)].count += 1
            }
            return sums.keys.sorted().compactMap { b in
                sums[b].map { (Double(b * binSize + binSize / 2), $0.sum / Double($0.count)) }
            }
        }
        mainLoss = binned { Double($0.mainLoss) }
        auxLoss = binned { Double($0.auxLoss) }
        totalLoss = binned { Double($0.totalLoss) }
        let ordered = evaluations.sorted { $0.iteration < $1.iteration }
        miou = ordered.map { (Double($0.iteration), $0.miou) }
        pixelAccuracy = ordered.map { (Double($0.iteration), $0.pixelAccuracy) }
    }

    public func svg() -> String {
        let xMax = max((totalLoss + miou).map(\.0).max() ?? 1, 1)
        let lossMax = max((mainLoss + auxLoss + totalLoss).map(\.1).max() ?? 1, 1e-6)
        let loss = SVGPanel(x: 0, y: 0, width: 560, height: 340, xRange: 0...xMax, yRange: 0...lossMax * 1.05,
                            title: "losses (steps in bins of \(binSize))", xLabel: "iteration", yLabel: "cross-entropy",
                            legendWidth: 110)
        let evaluation = SVGPanel(x: 560, y: 0, width: 500, height: 340, xRange: 0...xMax, yRange: 0...1,
                                  title: "validation", xLabel: "iteration", yLabel: "score", legendWidth: 110)
        var body = loss.frame() + evaluation.frame()
        body += loss.line(totalLoss, colour: "#000000") + loss.line(mainLoss, colour: "#1f77b4") + loss.line(auxLoss, colour: "#ff7f0e")
        body += loss.legend([("total", "#000000", false), ("main", "#1f77b4", false), ("aux", "#ff7f0e", false)])
        body += evaluation.line(miou, colour: "#2ca02c") + evaluation.line(pixelAccuracy, colour: "#9467bd", dashed: true)
        for (x, y) in miou {
            body += "<circle class=\"eval\" cx=\"\(evaluation.f(evaluation.px(x)))\" cy=\"\(evaluation.f(evaluation.py(y)))\" r=\"3\" fill=\"#2ca02c\"/>"
        }
        body += evaluation.legend([("mIoU", "#2ca02c", false), ("pixel acc", "#9467bd", true)])
        body += "<text x=\"10\" y=\"358\" font-size=\"11\">\(escape(title))</text>\n"
        return svgDocument(width: 1060, height: 365, body)
    }
}
