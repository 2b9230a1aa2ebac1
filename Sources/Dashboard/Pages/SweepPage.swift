import Foundation
import Sweep

/// `/sweeps/<name>`: the grid of jobs (weights x seeds), progress and ETA, the report (verdict, table,
/// rounds), the ablation plot and training curves, failed jobs and the spec. The page's script keeps
/// the grid, counts and ETA current from the event stream and fetches the report fragment again when
/// the report version moves.
enum SweepPage {
    static func render(state: SweepState, record: SweepRecord, adaptive: AdaptiveState?, report: ReportBundle) -> String {
        let name = state.name
        var body = "<h1>Sweep \(HTML.escape(name))</h1>\n"
        body += "<p class=\"progress\"><span id=\"counts\">\(HTML.escape(state.counts.text))</span> · "
            + "<span id=\"eta\">\(HTML.escape(state.progress.text))</span></p>\n"
        body += "<section><h2>Jobs</h2><div id=\"grid\">\(grid(state: state, adaptive: adaptive))</div></section>\n"
        body += "<section><h2>Ablation</h2><div id=\"report\">\(reportFragment(report, cells: state.cells))</div>\n"
        body += "<p><img id=\"ablation-plot\" alt=\"ablation plot\" src=\"\(HTML.sweepPath(name, "/ablation.svg"))?v=\(report.version)\"></p>\n"
        body += "<p><img id=\"curves-plot\" alt=\"training curves\" src=\"\(HTML.sweepPath(name, "/curves.svg"))?v=\(report.version)\"></p>\n"
        body += "<p class=\"downloads\">Download: "
            + [("report JSON", "/api/sweeps/\(HTML.segment(name))/report"), ("CSV", HTML.sweepPath(name, "/report.csv")),
               ("Markdown", HTML.sweepPath(name, "/report.md")), ("ablation SVG", HTML.sweepPath(name, "/ablation.svg")),
               ("curves SVG", HTML.sweepPath(name, "/curves.svg"))]
                .map { "<a href=\"\($0.1)\">\($0.0)</a>" }.joined(separator: " · ") + "</p></section>\n"
        body += "<section><h2>Spec</h2><details><summary>\(HTML.escape(record.name)) (hash \(HTML.escape(record.specHash)), registered "
            + "\(HTML.escape(HTML.date(record.created))))</summary><pre class=\"spec\">\(HTML.escape(record.spec))</pre></details></section>\n"
        return HTML.page(title: "Sweep \(name)",
                         attributes: [("data-page", "sweep"), ("data-sweep", name), ("data-version", "\(state.version)"),
                                      ("data-report-version", "\(report.version)")],
                         body)
    }

    /// The grid: one row per weight, one cell per seed (empty where no job is planned), each cell
    /// linking to its job's page; an adaptive sweep's dropped weights say so.
    static func grid(state: SweepState, adaptive: AdaptiveState?) -> String {
        let weights = Array(Set(state.cells.map(\.auxWeight))).sorted()
        let seeds = Array(Set(state.cells.map(\.seed))).sorted()
        let byKey = Dictionary(state.cells.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var s = "<table class=\"grid\"><thead><tr><th>w \\ seed</th>" + seeds.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
        for w in weights {
            let label = AblationReport.weight(w)
            let dropped = adaptive?.rounds.first { $0.decision?.dropped.contains(w) ?? false }
            s += "<tr><th>\(HTML.escape(label))"
                + (dropped.map { "<span class=\"dropped\"> dropped after round \($0.round)</span>" } ?? "") + "</th>"
            for seed in seeds {
                guard let cell = byKey[JobCell.key(weight: w, seed: seed)] else {
                    s += "<td class=\"cell absent\"></td>"
                    continue
                }
                s += "<td class=\"cell \(cell.status.rawValue)\" data-key=\"\(HTML.escape(cell.key))\" title=\"\(HTML.escape(cell.hoverText))\">"
                    + "<a href=\"\(HTML.jobPath(sweep: state.name, weight: label, seed: seed))\">\(HTML.escape(cell.label))</a></td>"
            }
            s += "</tr>\n"
        }
        return s + "</tbody></table>"
    }

    /// The report's verdict, table and lines, and the failed jobs with their errors.
    static func reportFragment(_ bundle: ReportBundle, cells: [JobCell]) -> String {
        let report = bundle.report
        var s = "<p class=\"verdict\">\(HTML.escape(report.verdict))</p>\n"
        let bestClasses = report.rows.map { report.best?.auxWeight == $0.auxWeight ? "best" : nil }
        s += HTML.table(cssClass: "report", header: AblationReport.header, rows: report.tableCells, rowClasses: bestClasses)
        s += "\n<ul class=\"summary\">" + report.summaryLines.dropLast().map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n"
        let failed = cells.filter { $0.status == .failed }
        if !failed.isEmpty {
            s += "<h3>Failed jobs</h3>\n<ul class=\"failed\">"
            for cell in failed {
                s += "<li>w = \(HTML.escape(AblationReport.weight(cell.auxWeight))), seed \(cell.seed) (attempt \(cell.attempt)): "
                    + "<pre class=\"error\">\(HTML.escape(cell.error ?? "no error recorded"))</pre></li>"
            }
            s += "</ul>\n"
        }
        return s
    }
}
