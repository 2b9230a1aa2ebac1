import Foundation

/// A PostgreSQL store's address, parsed from `postgresql://user:password@host:port/database?sslmode=M`
/// (also `postgres://`). Its `description` masks the password: that is the only form that reaches
/// output, logs and errors.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// libpq's sslmode values.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public let host: String
    public let port: Int
    public let user: String
    public let password: String?
    public let database: String
    public let sslMode: SSLMode
    /// The URL as given, password included: only for handing on to workers through their
    /// environment (`auxsweep submit`); never printed (`description` masks it).
    public let url: String

    /// Whether `text` names a PostgreSQL store (a URL of either scheme) rather than an SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Parses a store URL; throws `PostgresLocationError` naming the problem, the URL masked.
    public init(url text: String) throws {
        let masked = Self.masked(text)
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw PostgresLocationError(url: masked, problem: "not a postgresql://user:password@host:port/database URL")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresLocationError(url: masked, problem: "no host") }
        guard let user = components.user, !user.isEmpty else { throw PostgresLocationError(url: masked, problem: "no user") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresLocationError(url: masked, problem: "no database (the path after the port)")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw PostgresLocationError(url: masked, problem: "port \(port) is not in 1-65535")
        }
        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw PostgresLocationError(url: masked, problem: "unknown parameter '\(item.name)' (only sslmode is read)")
            }
            guard let value = item.value, let mode = SSLMode(rawValue: value) else {
                throw PostgresLocationError(url: masked, problem: "sslmode must be one of "
                    + SSLMode.allCases.map(\.rawValue).joined(separator: ", ") + ", got '\(item.value ?? "")'")
            }
            sslMode = mode
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = sslMode
        self.url = text
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        let credentials = password == nil ? user : "\(user):***"
        let query = sslMode == .prefer ? "" : "?sslmode=\(sslMode.rawValue)"
        return "postgresql://\(credentials)@\(host):\(port)/\(database)\(query)"
    }

    /// `text` with whatever sits between "://user:" and "@" replaced by `***` (for messages about a URL
    /// that did not parse).
    static func masked(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
              scheme.upperBound <= at.lowerBound else { return text }
        let credentials = text[scheme.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<credentials.index(after: colon)]) + "***" + String(text[at.lowerBound...])
    }
}

/// A store URL that does not parse: one line naming the (masked) URL and the problem.
public struct PostgresLocationError: Error, Equatable, CustomStringConvertible {
    public let url: String
    public let problem: String

    public var description: String { "\(url): database URL: \(problem)" }
}
