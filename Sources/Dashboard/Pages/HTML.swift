import Foundation

/// HTML text: escaping for text and attributes, and the page every view shares.
enum HTML {
    /// `text` safe in an element's text and in a quoted attribute: & < > " ' as entities.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// One path segment, percent-encoded (a sweep name, a weight).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The path of a sweep's page (and, with `suffix`, of something under it).
    static func sweepPath(_ name: String, _ suffix: String = "") -> String { "/sweeps/\(segment(name))\(suffix)" }

    /// The path of a job's page (and, with `suffix`, of something under it).
    static func jobPath(sweep: String, weight: String, seed: Int64, _ suffix: String = "") -> String {
        sweepPath(sweep, "/jobs/\(segment(weight))/\(seed)\(suffix)")
    }

    /// A whole page: `title` (escaped here), the stylesheet and script from the bundled assets, and
    /// `body` (already HTML) in a body carrying `attributes` (raw text; escaped here).
    static func page(title: String, attributes: [(String, String)] = [], _ body: String) -> String {
        let attrs = attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · auxsweep</title>
            <link rel="stylesheet" href="/assets/dashboard.css">
            <script src="/assets/dashboard.js" defer></script>
            </head>
            <body\(attrs)>
            <header><a class="home" href="/">auxsweep</a> <span class="live" id="live"></span></header>
            <main>
            \(body)
            </main>
            </body>
            </html>

            """
    }

    /// A table: `header` and `rows` are text (escaped here); `rowClasses` per row (optional).
    static func table(cssClass: String, header: [String], rows: [[String]], rowClasses: [String?] = []) -> String {
        var s = "<table class=\"\(cssClass)\"><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for (i, row) in rows.enumerated() {
            let rowClass = i < rowClasses.count ? rowClasses[i].map { " class=\"\(escape($0))\"" } ?? "" : ""
            s += "<tr\(rowClass)>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>"
    }

    /// A date as "2026-12-03 11:36:49 UTC" (nil: "-").
    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return f.string(from: date)
    }
}
