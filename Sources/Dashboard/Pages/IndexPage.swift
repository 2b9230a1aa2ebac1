import Foundation

/// `/`: every sweep with its jobs by status, start and wall time.
enum IndexPage {
    static func render(_ sweeps: [SweepOverview], location: String) -> String {
        var body = "<h1>Sweeps</h1>\n<p class=\"note\">Store: \(HTML.escape(location)) (read-only)</p>\n"
        if sweeps.isEmpty {
            body += "<p>No sweep in this store yet: <code>auxsweep run SWEEP.yaml</code> registers one.</p>"
        } else {
            body += "<table class=\"sweeps\"><thead><tr><th>sweep</th><th>jobs</th><th>done</th><th>running</th><th>failed</th>"
                + "<th>interrupted</th><th>pending</th><th>started</th><th>wall time</th><th>round</th></tr></thead><tbody>\n"
            for s in sweeps {
                let c = s.counts
                body += "<tr><td><a href=\"\(HTML.sweepPath(s.name))\">\(HTML.escape(s.name))</a></td><td>\(c.total)</td>"
                    + "<td>\(c.done)</td><td>\(c.running)</td><td>\(c.failed)</td><td>\(c.interrupted)</td><td>\(c.pending)</td>"
                    + "<td>\(HTML.escape(HTML.date(s.started)))</td>"
                    + "<td>\(HTML.escape(s.wallSeconds.map { ProgressEstimate.duration($0) } ?? "-"))</td>"
                    + "<td>\(HTML.escape(s.round ?? ""))</td></tr>\n"
            }
            body += "</tbody></table>"
        }
        return HTML.page(title: "Sweeps", attributes: [("data-page", "index")], body)
    }
}
