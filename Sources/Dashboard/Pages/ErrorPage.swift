/// A page that says what went wrong in one line and where to go instead.
enum ErrorPage {
    static func render(title: String, message: String) -> String {
        HTML.page(title: title, attributes: [("data-page", "error")],
                  "<h1>\(HTML.escape(title))</h1>\n<p class=\"error\">\(HTML.escape(message))</p>\n<p><a href=\"/\">All sweeps</a></p>")
    }
}
