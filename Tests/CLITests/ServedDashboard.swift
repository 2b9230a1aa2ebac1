import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running `auxsweep serve` on a free port of 127.0.0.1, and plain HTTP against it.
final class ServedDashboard {
    struct Response {
        let status: Int
        let body: String
        let contentType: String
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    let process: Process
    let base: URL
    let directory: URL
    let name: String

    /// Starts `auxsweep serve --db db --port 0` and waits (up to 30 s) for its line naming the port.
    init(db: String, in directory: URL, name: String = "serve") throws {
        self.directory = directory
        self.name = name
        process = try CLIRunner.start(["serve", "--db", db, "--port", "0"], in: directory, name: name)
        let out = directory.appendingPathComponent("\(name).out")
        let deadline = Date().addingTimeInterval(30)
        var found: URL?
        while found == nil && Date() < deadline && process.isRunning {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression) {
                found = URL(string: String(text[range]))
            } else {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            let err = (try? String(contentsOf: directory.appendingPathComponent("\(name).err"), encoding: .utf8)) ?? ""
            throw Failure(description: "serve did not start: \(err)")
        }
        base = found
    }

    /// The server's first line (what it says on start).
    var startLine: String {
        ((try? String(contentsOf: directory.appendingPathComponent("\(name).out"), encoding: .utf8)) ?? "")
            .split(separator: "\n").first.map(String.init) ?? ""
    }

    /// `method path` (a path with its query, e.g. "/api/sweeps"), the whole response.
    func request(_ path: String, method: String = "GET") async throws -> Response {
        guard let url = URL(string: path, relativeTo: base) else { throw Failure(description: "bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw Failure(description: "not HTTP: \(path)") }
        return Response(status: http.statusCode, body: String(decoding: data, as: UTF8.self),
                        contentType: http.value(forHTTPHeaderField: "Content-Type") ?? "")
    }

    /// An event stream as curl reads it, from the start until `enough` holds for what arrived (or 60 s
    /// passed); curl is then stopped. Waits for content instead of reading for a fixed time, so a slow
    /// or loaded machine only takes longer.
    func stream(_ path: String, until enough: (String) -> Bool) throws -> String {
        let file = directory.appendingPathComponent("stream-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sN", base.absoluteString.replacingOccurrences(of: #"/$"#, with: "", options: .regularExpression) + path]
        curl.standardOutput = try FileHandle(forWritingTo: file)
        try curl.run()
        defer {
            // SIGKILL: a child of the test process starts with SIGTERM blocked (inherited mask).
            if curl.isRunning { kill(curl.processIdentifier, SIGKILL) }
            curl.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(60)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if enough(text) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return text
    }

    /// SIGINT, as Ctrl-C; the exit status (nil when it did not exit within `timeout` s and was killed).
    func interrupt(timeout: TimeInterval = 60) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
