import Foundation

extension AblationReport {
    /// The ablation curve: mean mIoU with 95 % CI bars against the aux weight, the w = 0 baseline as
    /// a dashed line and the best weight marked. One `<circle class="point">` per weight.
    public func ablationSVG() -> String {
        let points = rows.compactMap { r in r.summary.map { (r.auxWeight, $0) } }
        let lows = points.map { $0.1.ci95?.low ?? $0.1.mean }, highs = points.map { $0.1.ci95?.high ?? $0.1.mean }
        var yMin = lows.min() ?? 0, yMax = highs.max() ?? 1
        let pad = max((yMax - yMin) * 0.15, 0.005)
        yMin -= pad
        yMax += pad
        let xs = rows.map(\.auxWeight)
        let panel = SVGPanel(x: 0, y: 0, width: 640, height: 420, xRange: (xs.min() ?? 0)...max(xs.max() ?? 1, (xs.min() ?? 0) + 0.1),
                             yRange: yMin...yMax, title: "Sweep \(sweep): \(point.rawValue) validation mIoU vs aux weight",
                             xLabel: "aux loss weight w", yLabel: "validation mIoU")
        var body = panel.frame()
        if let zero = rows.first(where: { $0.auxWeight == 0 })?.summary?.mean {
            body += panel.line([(panel.xRange.lowerBound, zero), (panel.xRange.upperBound, zero)], colour: "#888", dashed: true)
        }
        body += panel.line(points.map { ($0.0, $0.1.mean) }, colour: "#1f77b4")
        for (w, s) in points {
            if let ci = s.ci95 {
                let x = panel.px(w)
                body += "<line class=\"ci\" x1=\"\(panel.f(x))\" y1=\"\(panel.f(panel.py(ci.low)))\" x2=\"\(panel.f(x))\" y2=\"\(panel.f(panel.py(ci.high)))\" stroke=\"#1f77b4\"/>"
                for v in [ci.low, ci.high] {
                    body += "<line x1=\"\(panel.f(x - 4))\" y1=\"\(panel.f(panel.py(v)))\" x2=\"\(panel.f(x + 4))\" y2=\"\(panel.f(panel.py(v)))\" stroke=\"#1f77b4\"/>"
                }
            }
            let isBest = best?.auxWeight == w
            body += "<circle class=\"point\" cx=\"\(panel.f(panel.px(w)))\" cy=\"\(panel.f(panel.py(s.mean)))\" r=\"\(isBest ? 6 : 4)\" "
                + "fill=\"\(isBest ? "#d62728" : "#1f77b4")\" stroke=\"white\"/>\n"
        }
        let n = points.map(\.1.n).max() ?? 0
        body += panel.legend([("mean ± 95% CI (\(n) seeds)", "#1f77b4", false), ("w = 0 baseline", "#888", true),
                              ("best w = \(best.map { Self.weight($0.auxWeight) } ?? "-")", "#d62728", false)])
        return svgDocument(width: 640, height: 420, body)
    }
}

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
    public init(sweep: String, jobs: [(auxWeight: Double, steps: [StepRow], evals: [EvalRow])], bins: Int = 50) {
        self.sweep = sweep
        let weights = Array(Set(jobs.map(\.auxWeight))).sorted()
        let maxIteration = jobs.flatMap { $0.steps.map(\.iteration) }.max() ?? 0
        let binSize = max(1, (maxIteration + 1 + bins - 1) / bins)
        self.binSize = binSize
        series = weights.map { w in
            let mine = jobs.filter { $0.auxWeight == w }
            func binned(_ value: (StepRow) -> Double) -> [(Double, Double)] {
                var sums: [Int: (Double, Int)] = [:]
                for job in mine { for s in job.steps { let b = s.iteration / binSize; sums[b, default: (0, 0)].0 += value(s); sums[b, default: (0, 0)].1 += 1 } }
                return sums.keys.sorted().compactMap { b in sums[b].map { (Double(b * binSize + binSize / 2), $0.0 / Double($0.1)) } }
            }
            var evals: [Int: [Double]] = [:]
            for job in mine { for e in job.evals { evals[e.iteration, default: []].append(e.miou) } }
            return Series(auxWeight: w, mainLoss: binned(\.mainLoss), auxLoss: binned(\.auxLoss),
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
            SVGPanel(x: 840, y: 0, width: 420, height: 360, xRange: 0...xMax, yRange: 0...max(miou.max() ?? 1, 0.05) * 1.05,
                     title: "validation mIoU", xLabel: "iteration", yLabel: "mIoU (mean over seeds)"),
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
        return svgDocument(width: 1260, height: 385, body)
    }
}
