import Foundation
import HTTPTypes
import Hummingbird
import Sweep

/// Responses of the dashboard: HTML, JSON, downloads and the event stream's framing.
enum Responses {
    /// Only the bundled script and stylesheet run or style a page, whatever text a store holds.
    static let securityHeaders: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'"),
        (.xContentTypeOptions, "nosniff"),
    ]

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        body(text, contentType: "text/html; charset=utf-8", status: status)
    }

    static func body(_ text: String, contentType: String, status: HTTPResponse.Status = .ok, download: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache"
        for (name, value) in securityHeaders { headers[name] = value }
        if let download { headers[.contentDisposition] = "inline; filename=\"\(download)\"" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `value` as JSON: snake_case keys, sorted, ISO 8601 dates.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        body(encode(value), contentType: "application/json; charset=utf-8", status: status)
    }

    static func encode(_ value: some Encodable, pretty: Bool = true) -> String {
        let encoder = JSONOutput.encoder(pretty: pretty)
        encoder.outputFormatting.insert(.withoutEscapingSlashes)   // cell keys are "weight/seed"
        guard let data = try? encoder.encode(value) else { preconditionFailure("dashboard values are plain JSON") }
        return String(decoding: data, as: UTF8.self)
    }

    /// One server-sent event: `id` (the version, which the browser sends back on reconnecting), an
    /// optional event name, the JSON on one data line.
    static func event(id: Int?, name: String? = nil, _ value: some Encodable) -> ByteBuffer {
        var text = ""
        if let id { text += "id: \(id)\n" }
        if let name { text += "event: \(name)\n" }
        return ByteBuffer(string: text + "data: \(encode(value, pretty: false))\n\n")
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = named("X-Content-Type-Options")
    static let lastEventID = named("Last-Event-ID")

    /// A field name known to be valid.
    private static func named(_ text: String) -> Self {
        guard let name = Self(text) else { preconditionFailure("'\(text)' is not a valid HTTP field name") }
        return name
    }
}
