import Foundation
import Segmentation

extension AblationReport {
    /// The ablation curve and what the verdict rests on, in two panels sharing the w axis. Above: mean
    /// mIoU with 95 % CI bars against the aux weight, each seed's mIoU as a small grey dot beside its
    /// weight (one `<circle class="seed">` per done job), the w = 0 baseline dashed and the best weight
    /// marked (one `<circle class="point">` per weight). Below: each weight's paired difference to
    /// w = 0 over shared seeds with its 95 % interval (one `<circle class="delta">` per weight with
    /// one), filled where the paired t-test rejects at `alpha`. Legends stand right of the panels.
    public func ablationSVG() -> String {
        let points = rows.compactMap { r in r.summary.map { (r.auxWeight, $0) } }
        let xs = rows.map(\.auxWeight)
        // 4 % of room either side, so the end points and their bars stand clear of the frame.
        let (xLow, xHigh) = (xs.min() ?? 0, max(xs.max() ?? 1, (xs.min() ?? 0) + 0.1))
        let xRange = (xLow - 0.04 * (xHigh - xLow))...(xHigh + 0.04 * (xHigh - xLow))
        let top = SVGPanel(x: 0, y: 0, width: 820, height: 400, xRange: xRange,
                           yRange: Self.padded(points.flatMap { [$0.1.ci95?.low ?? $0.1.mean, $0.1.ci95?.high ?? $0.1.mean] }
                                                   + rows.flatMap { $0.miou.values }),
                           title: "Sweep \(sweep): \(point.rawValue) validation mIoU vs aux weight",
                           xLabel: "aux loss weight w", yLabel: "validation mIoU", legendWidth: 190)
        var body = top.frame()
        if let zero = rows.first(where: { $0.auxWeight == 0 })?.summary?.mean {
            body += top.line([(top.xRange.lowerBound, zero), (top.xRange.upperBound, zero)], colour: "#888", dashed: true)
        }
        // Seeds a few pixels right of their weight, so the interval bar stays readable.
        for r in rows {
            for value in SeedStatistics.inSeedOrder(r.miou) {
                body += "<circle class=\"seed\" cx=\"\(top.f(top.px(r.auxWeight) + 7))\" cy=\"\(top.f(top.py(value)))\" r=\"2\" "
                    + "fill=\"#999\" fill-opacity=\"0.7\"/>"
            }
        }
        body += top.line(points.map { ($0.0, $0.1.mean) }, colour: "#1f77b4")
        for (w, s) in points {
            if let ci = s.ci95 { body += top.errorBar(at: w, ci, colour: "#1f77b4", cssClass: "ci") }
            let isBest = best?.auxWeight == w
            body += "<circle class=\"point\" cx=\"\(top.f(top.px(w)))\" cy=\"\(top.f(top.py(s.mean)))\" r=\"\(isBest ? 6 : 4)\" "
                + "fill=\"\(isBest ? "#d62728" : "#1f77b4")\" stroke=\"white\"/>\n"
        }
        // Weights may have different numbers of seeds (failed jobs, an adaptive sweep's dropped weights).
        let counts = points.map(\.1.n)
        let seeds = counts.min() == counts.max() ? "\(counts.max() ?? 0)" : "\(counts.min() ?? 0)-\(counts.max() ?? 0)"
        body += top.legend([("mean ± 95% CI (\(seeds) seeds)", "#1f77b4", false), ("one seed (grey dot)", "#999", false),
                            ("w = 0 baseline", "#888", true),
                            ("best w = \(best.map { Self.weight($0.auxWeight) } ?? "-")", "#d62728", false)])

        let deltas = rows.compactMap { r in r.deltaVsZero.map { (r.auxWeight, $0) } }
        let bottom = SVGPanel(x: 0, y: 400, width: 820, height: 320, xRange: xRange,
                              yRange: Self.padded(deltas.flatMap { [$0.1.ci95?.low ?? $0.1.mean, $0.1.ci95?.high ?? $0.1.mean] } + [0]),
                              title: "paired difference to w = 0 over shared seeds (what the verdict rests on)",
                              xLabel: "aux loss weight w", yLabel: "mIoU minus w = 0", legendWidth: 190)
        body += bottom.frame()
        body += bottom.line([(xRange.lowerBound, 0), (xRange.upperBound, 0)], colour: "#888", dashed: true)
        for (w, d) in deltas {
            if let ci = d.ci95 { body += bottom.errorBar(at: w, ci, colour: "#2ca02c", cssClass: "delta-ci") }
            let significant = (d.pT ?? 1) < alpha
            body += "<circle class=\"delta\" cx=\"\(bottom.f(bottom.px(w)))\" cy=\"\(bottom.f(bottom.py(d.mean)))\" r=\"4\" "
                + "fill=\"\(significant ? "#2ca02c" : "white")\" stroke=\"#2ca02c\" stroke-width=\"1.5\"/>\n"
        }
        body += bottom.legend([("paired mean ± 95% CI", "#2ca02c", false), ("no difference", "#888", true),
                               ("filled: p < \(alpha) (paired t)", "#2ca02c", false)])
        return svgDocument(width: 820, height: 720, body)
    }

    /// A value range around `values` with 15 % room on either side (at least 0.005).
    static func padded(_ values: [Double]) -> ClosedRange<Double> {
        var low = values.min() ?? 0, high = values.max() ?? 1
        let pad = max((high - low) * 0.15, 0.005)
        low -= pad
        high += pad
        return low...high
    }
}
