import Foundation
import Segmentation
import Sweep
import Testing

/// `auxsweep serve` as a person uses it: the real server process on a real store, over HTTP (status
/// codes, JSON, escaping, 404s, read-only, a store that vanishes, Ctrl-C with a stream open), and in
/// headless Chromium while a sweep runs in another process.
@Suite("serve", .serialized)
struct ServeCommandTests {
    /// Text a job's error and a spec's comment carry in the escaping tests.
    static let attack = "<img src=x onerror=alert(1)>"

    /// 4 short jobs: done in seconds.
    static let tinyYAML = """
        name: tiny
        aux_weights: [0.0, 1.0]
        seeds: 2
        jobs: 2
        data: {train_images: 400, val_images: 8, size: 32}
        model: {blocks: [1, 1, 1, 1]}
        train: {iterations: 40, batch: 4, eval_every: 20, checkpoint_every: 20}
        """

    /// A sweep whose spec comment and failed job's error hold markup.
    static let evilYAML = """
        # \(attack) in a comment
        name: evil
        aux_weights: [0.5]
        seeds: 1
        data: {train_images: 400, val_images: 8, size: 32}
        model: {blocks: [1, 1, 1, 1]}
        train: {iterations: 40, batch: 4}
        """

    /// A store with `tiny` run to the end and `evil` registered, its one job failed with `attack`.
    static func makeStore() throws -> (dir: URL, db: String) {
        let dir = try CLIRunner.temporaryDirectory()
        let db = dir.appendingPathComponent("results.sqlite").path
        let tiny = dir.appendingPathComponent("tiny.yaml").path
        try tinyYAML.write(toFile: tiny, atomically: true, encoding: .utf8)
        let run = try CLIRunner.run(["run", tiny, "--db", db])
        #expect(run.status == 0, "\(run.stderr)")
        let store = try SQLiteStore(path: db)
        try store.register(try SpecParser.parse(evilYAML, file: "evil.yaml"), text: evilYAML)
        let claimed = try #require(try store.claim(sweep: "evil", worker: JobWorker(name: "test")))
        try store.record(claimed.claim, steps: [], evaluations: [], status: .failed, error: attack)
        return (dir, db)
    }

    @Test("pages, JSON API, downloads, escaping and 404s")
    func pagesAndAPI() async throws {
        let (dir, db) = try Self.makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let startedMilliseconds = Int(Date().timeIntervalSince1970 * 1000)
        let server = try ServedDashboard(db: db, in: dir)
        #expect(server.startLine.contains("read-only at http://127.0.0.1:"))
        #expect(server.startLine.contains("this machine only"))

        let index = try await server.request("/")
        #expect(index.status == 200)
        #expect(index.contentType == "text/html; charset=utf-8")
        #expect(index.body.contains(#"<a href="/sweeps/tiny">tiny</a></td><td>4</td><td>4</td><td>0</td><td>0</td><td>0</td><td>0</td>"#))
        #expect(index.body.contains(#"<a href="/sweeps/evil">evil</a></td><td>1</td><td>0</td><td>0</td><td>1</td>"#))
        // Versions count on from the server's start in milliseconds (a page from an earlier server's run
        // holds a smaller one and is sent everything).
        let indexVersion = try #require(index.body.firstMatch(of: /<body data-page="index" data-version="(\d+)">/)?.1)
        #expect(Int(indexVersion)! > startedMilliseconds)
        let list = try await server.request("/fragments/sweeps")
        #expect(list.status == 200 && list.body.hasPrefix("<table class=\"sweeps\">"))
        #expect(index.body.contains("<div id=\"sweeps\">\(list.body)</div>"), "the fragment is the page's list")

        let page = try await server.request("/sweeps/tiny")
        #expect(page.status == 200)
        #expect(page.body.components(separatedBy: "<td class=\"cell done\"").count - 1 == 4)
        #expect(page.body.contains(#"data-key="1.0/1""#))
        #expect(page.body.contains(#"<img id="ablation-plot""#))

        // What the CLI writes, the API serves.
        let cliJSON = try CLIRunner.run(["report", "--sweep", "tiny", "--db", db, "--format", "json"])
        let apiJSON = try await server.request("/api/sweeps/tiny/report")
        #expect(apiJSON.status == 200 && apiJSON.contentType.hasPrefix("application/json"))
        #expect(apiJSON.body == cliJSON.stdout.trimmingCharacters(in: .newlines))
        let cliCSV = try CLIRunner.run(["report", "--sweep", "tiny", "--db", db, "--format", "csv"])
        #expect(try await server.request("/sweeps/tiny/report.csv").body == cliCSV.stdout.trimmingCharacters(in: .newlines))
        let plot = dir.appendingPathComponent("ablation.svg").path
        _ = try CLIRunner.run(["report", "--sweep", "tiny", "--db", db, "--plot", plot])
        let svg = try await server.request("/sweeps/tiny/ablation.svg")
        let written = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.contentType == "image/svg+xml" && svg.body == written)
        #expect(try await server.request("/sweeps/tiny/curves.svg").body.contains("validation mIoU"))

        struct State: Decodable { let version: Int; let cells: [Cell] }
        struct Cell: Decodable { let key: String; let status: String; let steps: Int; let iterations: Int?; let miou: Double? }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let state = try decoder.decode(State.self, from: Data(try await server.request("/api/sweeps/tiny").body.utf8))
        #expect(state.cells.map(\.key) == ["0.0/0", "0.0/1", "1.0/0", "1.0/1"])
        #expect(state.cells.allSatisfy { $0.status == "done" && $0.steps == 40 && $0.iterations == 40 && $0.miou != nil })
        struct Changes: Decodable { let version: Int; let cells: [Cell]; let complete: Bool }
        let none = try decoder.decode(Changes.self, from: Data(try await server.request("/api/sweeps/tiny/changes?since=\(state.version)").body.utf8))
        #expect(none.cells.isEmpty && !none.complete && none.version == state.version)
        let all = try decoder.decode(Changes.self, from: Data(try await server.request("/api/sweeps/tiny/changes").body.utf8))
        #expect(all.cells.count == 4 && all.complete)

        struct Job: Decodable { let steps: [Step]; let evaluations: [Evaluation] }
        struct Step: Decodable { let iteration: Int; let mainLoss: Double; let auxLoss: Double; let totalLoss: Double; let lr: Double }
        struct Evaluation: Decodable { let iteration: Int; let miou: Double; let pixelAcc: Double; let classIou: [Double?] }
        let job = try decoder.decode(Job.self, from: Data(try await server.request("/api/sweeps/tiny/jobs/1.0/0").body.utf8))
        #expect(job.steps.map(\.iteration) == Array(0..<40) && job.evaluations.map(\.iteration) == [20, 40])
        let stored = try SQLiteStore.openExisting(path: db)
        let storedJob = try #require(try stored.jobSummaries(JobFilter(sweep: "tiny", auxWeight: 1, seed: 0)).first?.job.id)
        let last = try #require(try stored.evaluations(job: storedJob).last)
        #expect(job.evaluations.last?.classIou == last.classIoU && job.evaluations.last?.pixelAcc == last.pixelAccuracy)
        let jobPage = try await server.request("/sweeps/tiny/jobs/1/0")
        #expect(jobPage.status == 200 && jobPage.body.contains("Per-class IoU at iteration 40"))

        // Markup from the store is text.
        let evil = try await server.request("/sweeps/evil")
        #expect(evil.status == 200)
        #expect(!evil.body.contains("<img src=x"))
        #expect(evil.body.contains("# &lt;img src=x onerror=alert(1)&gt; in a comment"))
        #expect(evil.body.contains("<pre class=\"error\">&lt;img src=x onerror=alert(1)&gt;</pre>"))
        #expect(evil.body.contains(#"title="w = 0.5, seed 0: failed; iteration 0 of 40; error: &lt;img src=x onerror=alert(1)&gt;""#))
        let evilJob = try await server.request("/sweeps/evil/jobs/0.5/0")
        #expect(!evilJob.body.contains("<img src=x") && evilJob.body.contains("&lt;img src=x onerror=alert(1)&gt;"))
        let reflected = try await server.request("/sweeps/%3Cimg%20src=x%20onerror=alert(1)%3E")
        #expect(reflected.status == 404 && !reflected.body.contains("<img src=x"))

        // Unknown paths, sweeps and jobs are 404 pages (JSON under /api/); nothing outside the assets.
        for path in ["/nope", "/sweeps/nope", "/sweeps/tiny/jobs/0.5/0", "/sweeps/tiny/jobs/abc/0", "/assets/../Package.swift",
                     "/assets/%2e%2e/%2e%2e/Package.swift", "/assets/dashboard.js/../../Package.swift", "/sweeps/tiny/nope"] {
            let r = try await server.request(path)
            #expect(r.status == 404, "\(path)")
            #expect(r.contentType.hasPrefix("text/html") && r.body.contains("Not found"), "\(path)")
        }
        let apiMissing = try await server.request("/api/sweeps/nope")
        #expect(apiMissing.status == 404 && apiMissing.body.contains(#""error" : "no sweep named 'nope' in this store""#))
        let head = try await server.request("/sweeps/tiny", method: "HEAD")
        #expect(head.status == 200 && head.contentType == "text/html; charset=utf-8" && head.body.isEmpty)
        #expect(try await server.request("/nope", method: "HEAD").status == 404)
        for method in ["POST", "PUT", "DELETE"] {
            #expect(try await server.request("/api/sweeps/tiny", method: method).status == 405)
        }
        #expect(server.interrupt() == 0)
    }

    @Test("reads without writing, says so when the store vanishes, stops on Ctrl-C with a stream open")
    func readOnlyAndVanishing() async throws {
        let (dir, db) = try Self.makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = [db, db + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        func snapshot() throws -> [Data] { try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } }
        let before = try snapshot()
        let server = try ServedDashboard(db: db, in: dir)
        for path in ["/", "/sweeps/tiny", "/sweeps/evil", "/api/sweeps/tiny/report", "/sweeps/tiny/curves.svg", "/sweeps/tiny/jobs/0.0/1",
                     "/api/sweeps/tiny/changes?since=0"] {
            #expect(try await server.request(path).status == 200, "\(path)")
        }
        #expect(try snapshot() == before, "serving changed the database's bytes")

        // The file moved away: a clear 503 page, no crash; moved back: served again.
        let away = db + ".away"
        try FileManager.default.moveItem(atPath: db, toPath: away)
        try await Task.sleep(for: .seconds(1.2))
        let gone = try await server.request("/sweeps/tiny")
        #expect(gone.status == 503)
        #expect(gone.body.contains("the results store cannot be read: \(db): the database file is gone (moved or deleted)"))
        #expect(try await server.request("/api/sweeps/tiny").status == 503)
        // A stream opened meanwhile starts and says so (a browser does not reconnect after an error
        // status).
        let eventsURL = server.base.appendingPathComponent("api/sweeps/tiny/events").absoluteString
        // Once the file is back, the stream says it recovered (the page's label goes back to live).
        var movedBack = false
        let failing = try server.stream("/api/sweeps/tiny/events") { text in
            if !movedBack && text.contains("event: failure") && text.hasSuffix("\n\n") {
                movedBack = (try? FileManager.default.moveItem(atPath: away, toPath: db)) != nil
            }
            return text.contains("event: recovered") && text.hasSuffix("\n\n")
        }
        #expect(movedBack)
        #expect(failing.contains("event: failure\ndata: {\"message\":\"the results store cannot be read: \(db): the database file is gone (moved or deleted)\"}\n\n"))
        #expect(failing.contains("event: recovered\ndata: {}\n\n"))
        try await Task.sleep(for: .seconds(1.2))
        #expect(try await server.request("/sweeps/tiny").status == 200)

        // An event stream: its first event at once; Ctrl-C ends it and the server.
        let events = try server.stream("/api/sweeps/tiny/events") { $0.contains("\"key\":\"1.0/1\"") && $0.hasSuffix("\n\n") }
        #expect(events.hasPrefix("retry: 1000\n\nid: "))
        #expect(events.contains("\"complete\":true") && events.contains("\"key\":\"1.0/1\""))
        // The first page's stream: an event when the list's version differs from the page's.
        let indexEvents = try server.stream("/api/events?since=0") { $0.contains("data: ") && $0.hasSuffix("\n\n") }
        let listVersion = try #require(indexEvents.wholeMatch(of: /retry: 1000\n\nid: (\d+)\ndata: \{"version":(\d+)\}\n\n/))
        #expect(listVersion.1 == listVersion.2, "\(indexEvents)")
        // (Nothing to send can only be watched for a while: 2 s, two of the stream's looks.)
        let indexURL = server.base.appendingPathComponent("api/events").absoluteString
        let quiet = try TestServices.tool("sh", ["-c", "curl -sN --max-time 2 '\(indexURL)?since=\(listVersion.1)'; true"])
        #expect(quiet.isEmpty || quiet == "retry: 1000\n\n", "the page has the list's version: nothing to send")
        let stream = Process()
        stream.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        stream.arguments = ["-sN", eventsURL]
        let streamed = dir.appendingPathComponent("open-stream.txt")
        _ = FileManager.default.createFile(atPath: streamed.path, contents: nil)
        stream.standardOutput = try FileHandle(forWritingTo: streamed)
        try stream.run()
        // Ctrl-C once the stream is open (its first bytes arrived).
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !((try? String(contentsOf: streamed, encoding: .utf8)) ?? "").hasPrefix("retry: 1000") {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try String(contentsOf: streamed, encoding: .utf8).hasPrefix("retry: 1000"))
        #expect(server.interrupt() == 0)
        stream.waitUntilExit()
        #expect(try snapshot() == before)
    }

    @Test("bad input: one line, exit 2, nothing written")
    func badInput() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("none.sqlite").path
        let r = try CLIRunner.run(["serve", "--db", missing, "--port", "0"])
        #expect(r.status == 2)
        #expect(r.stderr == "auxsweep: \(missing): database: does not exist (run 'auxsweep run' first)\n")
        #expect(!FileManager.default.fileExists(atPath: missing))
        let text = dir.appendingPathComponent("notes.txt").path
        try "not a database\n".write(toFile: text, atomically: true, encoding: .utf8)
        for command in [["serve", "--port", "0"], ["status"]] {
            let wrong = try CLIRunner.run(command + ["--db", text])
            #expect(wrong.status == 2)
            #expect(wrong.stderr == "auxsweep: \(text): database: not an SQLite database (another file given to --db?)\n")
        }
        #expect(try String(contentsOfFile: text, encoding: .utf8) == "not a database\n")

        let (storeDir, db) = try Self.makeStore()
        defer { try? FileManager.default.removeItem(at: storeDir) }
        let first = try ServedDashboard(db: db, in: storeDir)
        let port = try #require(first.base.port)
        let second = try CLIRunner.run(["serve", "--db", db, "--port", "\(port)"])
        #expect(second.status == 2)
        #expect(second.stderr.hasPrefix("auxsweep: 127.0.0.1:\(port): --port: cannot listen there ("))
        #expect(second.stderr.split(separator: "\n").count == 1)
        #expect(first.interrupt() == 0)
    }
}
