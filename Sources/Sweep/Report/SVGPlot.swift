import Foundation

/// A minimal SVG line-and-point chart: one panel with axes, round ticks, labels and a legend beside it.
struct SVGPanel {
    let x: Double, y: Double, width: Double, height: Double
    let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    let title: String, xLabel: String, yLabel: String
    /// Room right of the plot area for a legend (0: none).
    var legendWidth: Double = 0

    var left: Double { x + 60 }
    var right: Double { x + width - 15 - legendWidth }
    var top: Double { y + 30 }
    var bottom: Double { y + height - 45 }

    func px(_ v: Double) -> Double {
        left + (v - xRange.lowerBound) / max(xRange.upperBound - xRange.lowerBound, 1e-12) * (right - left)
    }

    func py(_ v: Double) -> Double {
        bottom - (v - yRange.lowerBound) / max(yRange.upperBound - yRange.lowerBound, 1e-12) * (bottom - top)
    }

    /// Axes, ticks at round values (`AxisTicks`) with grid lines, the title and the axis labels.
    func frame() -> String {
        var s = "<rect class=\"plot-area\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        let xTicks = AxisTicks(xRange), yTicks = AxisTicks(yRange)
        for xv in xTicks.values {
            s += "<line x1=\"\(f(px(xv)))\" y1=\"\(f(bottom))\" x2=\"\(f(px(xv)))\" y2=\"\(f(bottom + 4))\" stroke=\"#333\"/>"
            s += "<text class=\"tick\" x=\"\(f(px(xv)))\" y=\"\(f(bottom + 16))\" font-size=\"11\" text-anchor=\"middle\">\(xTicks.label(xv))</text>\n"
        }
        for yv in yTicks.values {
            s += "<line x1=\"\(f(left - 4))\" y1=\"\(f(py(yv)))\" x2=\"\(f(left))\" y2=\"\(f(py(yv)))\" stroke=\"#333\"/>"
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(yv)))\" x2=\"\(f(right))\" y2=\"\(f(py(yv)))\" stroke=\"#eee\"/>"
            s += "<text class=\"tick\" x=\"\(f(left - 7))\" y=\"\(f(py(yv) + 4))\" font-size=\"11\" text-anchor=\"end\">\(yTicks.label(yv))</text>\n"
        }
        s += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(y + 18))\" font-size=\"13\" text-anchor=\"middle\" font-weight=\"bold\">\(escape(title))</text>\n"
        s += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(y + height - 10))\" font-size=\"12\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text x=\"\(f(x + 14))\" y=\"\(f((top + bottom) / 2))\" font-size=\"12\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 \(f(x + 14)) \(f((top + bottom) / 2)))\">\(escape(yLabel))</text>\n"
        return s
    }

    /// A polyline through the points.
    func line(_ points: [(Double, Double)], colour: String, dashed: Bool = false, width: Double = 1.5) -> String {
        guard !points.isEmpty else { return "" }
        let coords = points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
        return "<polyline points=\"\(coords)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(width)\""
            + (dashed ? " stroke-dasharray=\"5,4\"" : "") + "/>\n"
    }

    /// A vertical interval at `x` with short caps.
    func errorBar(at xv: Double, _ interval: (low: Double, high: Double), colour: String, cssClass: String) -> String {
        let x = px(xv)
        var s = "<line class=\"\(cssClass)\" x1=\"\(f(x))\" y1=\"\(f(py(interval.low)))\" x2=\"\(f(x))\" y2=\"\(f(py(interval.high)))\" stroke=\"\(colour)\"/>"
        for v in [interval.low, interval.high] {
            s += "<line x1=\"\(f(x - 4))\" y1=\"\(f(py(v)))\" x2=\"\(f(x + 4))\" y2=\"\(f(py(v)))\" stroke=\"\(colour)\"/>"
        }
        return s + "\n"
    }

    /// A legend right of the plot area, outside the data (the panel reserves `legendWidth` for it):
    /// (label, colour, dashed).
    func legend(_ entries: [(String, String, Bool)]) -> String {
        precondition(legendWidth > 0, "a panel with a legend reserves room for it")
        var s = ""
        for (i, e) in entries.enumerated() {
            let ly = top + 10 + Double(i) * 15, lx = right + 10
            s += "<line x1=\"\(f(lx))\" y1=\"\(f(ly - 4))\" x2=\"\(f(lx + 20))\" y2=\"\(f(ly - 4))\" stroke=\"\(e.1)\" stroke-width=\"2\""
                + (e.2 ? " stroke-dasharray=\"5,4\"" : "") + "/>"
            s += "<text class=\"legend\" x=\"\(f(lx + 26))\" y=\"\(f(ly))\" font-size=\"11\">\(escape(e.0))</text>\n"
        }
        return s
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}

/// Wraps panels in an SVG document.
func svgDocument(width: Double, height: Double, _ body: String) -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body + "</svg>\n"
}

/// Colours for up to 11 weights (then repeating).
let plotPalette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                   "#17becf", "#000000"]
