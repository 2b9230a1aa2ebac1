import Foundation
import Logging
import Sweep
import WSClient

/// Headless Chromium (Debian's `chromium`, which the test set-up installs) on one page, driven over
/// the DevTools protocol: JavaScript evaluated in the page, screenshots. Started with a profile of its
/// own and stopped by PID.
final class HeadlessChromium {
    struct Failure: Error, CustomStringConvertible { let description: String }

    let process: Process
    let devToolsPort: Int

    /// Opens `url` in a `width` x `height` window; waits (up to 60 s) for the DevTools port.
    init(url: URL, profile: URL, width: Int = 1280, height: Int = 1800) throws {
        guard let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "chromium is not installed (scripts/bootstrap.sh installs Debian's chromium)")
        }
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                             "--hide-scrollbars", "--remote-debugging-port=0", "--remote-allow-origins=*",
                             "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)", url.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: Self.logFile(profile))
        try process.run()
        let portFile = profile.appendingPathComponent("DevToolsActivePort")
        let deadline = Date().addingTimeInterval(60)
        var port: Int?
        while port == nil && Date() < deadline && process.isRunning {
            port = (try? String(contentsOf: portFile, encoding: .utf8))?.split(separator: "\n").first.flatMap { Int($0) }
            if port == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        guard let port else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw Failure(description: "chromium did not open its DevTools port: "
                          + ((try? String(contentsOf: Self.logFile(profile), encoding: .utf8)) ?? ""))
        }
        devToolsPort = port
    }

    private static func logFile(_ profile: URL) -> URL {
        let url = profile.deletingLastPathComponent().appendingPathComponent("chromium.log")
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        return url
    }

    /// Runs `body` with a DevTools session on the page (the first page target).
    func withPage<T: Sendable>(_ body: @escaping @Sendable (inout DevToolsSession) async throws -> T) async throws -> T {
        // curl: Foundation's URLSession fails on this endpoint's response ("Failed writing header").
        let list = Data(try TestServices.tool("curl", ["-sf", "http://127.0.0.1:\(devToolsPort)/json/list"]).utf8)
        guard let socket = try JSONDecoder().decode([Target].self, from: list).first(where: { $0.type == "page" })?.webSocketDebuggerUrl else {
            throw Failure(description: "no page target in \(String(decoding: list, as: UTF8.self))")
        }
        let outcome = Locked<T?>(nil)
        let logger = Logger(label: "devtools") { _ in SwiftLogNoOpLogHandler() }
        try await WebSocketClient.connect(url: socket, configuration: .init(maxFrameSize: 1 << 26), logger: logger) { inbound, outbound, _ in
            var session = DevToolsSession(outbound: outbound, messages: inbound.messages(maxSize: 1 << 26).makeAsyncIterator())
            let value = try await body(&session)
            outcome.withLock { $0 = value }
        }
        guard let value = outcome.value else { throw Failure(description: "the DevTools connection closed early") }
        return value
    }

    /// Stops the browser by its PID.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A DevTools target as `/json/list` lists it.
    private struct Target: Decodable {
        let type: String
        let webSocketDebuggerUrl: String?
    }
}

/// One DevTools connection: commands by id, answers matched to them (events are skipped).
struct DevToolsSession {
    let outbound: WebSocketOutboundWriter
    var messages: WebSocketInboundMessageStream.AsyncIterator
    var nextID = 1

    /// Sends `method` with `params` (JSON text of an object) and returns the answer's result as JSON data.
    mutating func send(_ method: String, params: String = "{}") async throws -> Data {
        let id = nextID
        nextID += 1
        try await outbound.write(.text("{\"id\":\(id),\"method\":\"\(method)\",\"params\":\(params)}"))
        struct Answer: Decodable { let id: Int?; let error: ErrorBody? }
        struct ErrorBody: Decodable { let message: String }
        while let message = try await messages.next() {
            guard case .text(let text) = message else { continue }
            let data = Data(text.utf8)
            guard let answer = try? JSONDecoder().decode(Answer.self, from: data), answer.id == id else { continue }
            if let error = answer.error { throw HeadlessChromium.Failure(description: "\(method): \(error.message)") }
            return data
        }
        throw HeadlessChromium.Failure(description: "\(method): the connection closed")
    }

    /// `expression` evaluated in the page (promises awaited); it must give a string (tests wrap values
    /// in `JSON.stringify`).
    mutating func evaluate(_ expression: String) async throws -> String {
        let params = String(decoding: try JSONEncoder().encode(Evaluate(expression: expression)), as: UTF8.self)
        let data = try await send("Runtime.evaluate", params: params)
        struct Answer: Decodable { let result: Result }
        struct Result: Decodable { let result: Remote; let exceptionDetails: Exception? }
        struct Remote: Decodable { let value: String? }
        struct Exception: Decodable { let text: String }
        let answer = try JSONDecoder().decode(Answer.self, from: data)
        if let exception = answer.result.exceptionDetails { throw HeadlessChromium.Failure(description: "\(expression): \(exception.text)") }
        guard let value = answer.result.result.value else { throw HeadlessChromium.Failure(description: "\(expression): not a string") }
        return value
    }

    /// The page as a PNG.
    mutating func screenshot() async throws -> Data {
        let data = try await send("Page.captureScreenshot", params: "{\"format\":\"png\",\"captureBeyondViewport\":true}")
        struct Answer: Decodable { let result: Shot }
        struct Shot: Decodable { let data: String }
        guard let png = Data(base64Encoded: try JSONDecoder().decode(Answer.self, from: data).result.data) else {
            throw HeadlessChromium.Failure(description: "Page.captureScreenshot: not base64")
        }
        return png
    }

    private struct Evaluate: Encodable {
        let expression: String
        let returnByValue = true
        let awaitPromise = true
    }
}
