import Foundation
import Sweep

/// `/sweeps/<name>/jobs/<w>/<seed>`: one job's loss curves (main, aux, total), its evaluations, the
/// last evaluation's per-class IoU and its error. The script fetches the fragment again whenever the
/// job's cell changes.
enum JobPage {
    static func render(_ detail: JobDetail, version: Int) -> String {
        let weight = AblationReport.weight(detail.cell.auxWeight)
        let title = "w = \(weight), seed \(detail.cell.seed)"
        let body = "<p class=\"crumbs\"><a href=\"\(HTML.sweepPath(detail.sweep))\">Sweep \(HTML.escape(detail.sweep))</a></p>\n"
            + "<h1>\(HTML.escape(title))</h1>\n<div id=\"job\">\(fragment(detail))</div>"
        return HTML.page(title: "\(detail.sweep): \(title)",
                         attributes: [("data-page", "job"), ("data-sweep", detail.sweep), ("data-job", detail.cell.key),
                                      ("data-version", "\(version)")],
                         body)
    }

    /// Everything about the job that changes while it runs.
    static func fragment(_ detail: JobDetail) -> String {
        let job = detail.job, cell = detail.cell
        let facts: [(String, String)] = [
            ("status", job.status.rawValue), ("iteration", cell.iterations.map { "\(cell.steps) of \($0)" } ?? "\(cell.steps)"),
            ("attempt", "\(job.attempt)"), ("worker", [job.worker, job.host].compactMap { $0 }.joined(separator: " on ")),
            ("started", HTML.date(job.started)), ("heartbeat", HTML.date(job.heartbeat)), ("finished", HTML.date(job.finished)),
            ("checkpoint at", "\(job.checkpointIteration)"),
        ]
        var s = "<table class=\"facts\"><tbody>" + facts.map { "<tr><th>\(HTML.escape($0.0))</th><td>\(HTML.escape($0.1))</td></tr>" }.joined()
            + "</tbody></table>\n"
        if let error = job.error { s += "<h2>Error</h2>\n<pre class=\"error\">\(HTML.escape(error))</pre>\n" }
        s += "<p><img id=\"job-curves\" alt=\"loss curves\" src=\"\(HTML.jobPath(sweep: detail.sweep, weight: AblationReport.weight(cell.auxWeight), seed: cell.seed, "/curves.svg"))?steps=\(detail.steps.count)\"></p>\n"
        s += "<h2>Evaluations</h2>\n"
        s += detail.evaluations.isEmpty ? "<p>None yet.</p>\n"
            : HTML.table(cssClass: "evaluations", header: ["iteration", "mIoU", "pixel acc"],
                         rows: detail.evaluations.map { ["\($0.iteration)", NumberText.fixed($0.miou), NumberText.fixed($0.pixelAccuracy)] })
        if let last = detail.evaluations.last {
            s += "\n<h2>Per-class IoU at iteration \(last.iteration)</h2>\n"
            let values = last.classIoU
            s += HTML.table(cssClass: "class-iou", header: ["class", "IoU"],
                            rows: values.enumerated().map { ["\($0.offset)", $0.element.map { NumberText.fixed($0) } ?? "absent"] })
        }
        return s
    }
}
