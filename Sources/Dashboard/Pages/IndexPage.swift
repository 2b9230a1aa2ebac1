import Foundation

/// `/`: every sweep with its jobs by status, start and wall time; the list is fetched again
/// (`/fragments/sweeps`) whenever the index's event stream says it changed.
enum IndexPage {
    static func render(_ index: SweepIndex, location: String) -> String {
        let body = "<h1>Sweeps</h1>\n<p class=\"note\">Store: \(HTML.escape(location)) (read-only)</p>\n"
            + "<div id=\"sweeps\">\(table(index.sweeps))</div>"
        return HTML.page(title: "Sweeps", attributes: [("data-page", "index"), ("data-version", "\(index.version)")], body)
    }

    /// The list of sweeps (or what to do when there is none).
    static func table(_ sweeps: [SweepOverview]) -> String {
        guard !sweeps.isEmpty else {
            return "<p>No sweep in this store yet: <code>auxsweep run SWEEP.yaml</code> registers one.</p>"
        }
        var html = "<table class=\"sweeps\"><thead><tr><th>sweep</th><th>jobs</th><th>done</th><th>running</th><th>failed</th>"
            + "<th>interrupted</th><th>pending</th><th>started</th><th>wall time</th><th>round</th></tr></thead><tbody>\n"
        for s in sweeps {
            let c = s.counts
            html += "<tr><td><a href=\"\(HTML.sweepPath(s.name))\">\(HTML.escape(s.name))</a></td><td>\(c.total)</td>"
                + "<td>\(c.done)</td><td>\(c.running)</td><td>\(c.failed)</td><td>\(c.interrupted)</td><td>\(c.pending)</td>"
                + "<td>\(HTML.escape(HTML.date(s.started)))</td>"
                + "<td>\(HTML.escape(s.wallSeconds.map { ProgressEstimate.duration($0) } ?? "-"))</td>"
                + "<td>\(HTML.escape(s.round ?? ""))</td></tr>\n"
        }
        return html + "</tbody></table>"
    }
}
