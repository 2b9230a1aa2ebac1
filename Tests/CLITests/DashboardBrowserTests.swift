import Foundation
import Segmentation
import Sweep
import Testing

/// The dashboard in a real browser: headless Chromium shows a sweep page while the store changes under
/// it (a job written step by step by the test, then the rest of the sweep run by another process) and
/// the first page while a sweep runs; the DOM follows, without the page being loaded again.
@Suite("serve in Chromium", .serialized)
struct DashboardBrowserTests {
    /// 4 jobs, 2 at a time: one the test writes itself, state by state; 3 that `auxsweep run` trains.
    static let liveYAML = """
        name: live
        aux_weights: [0.0, 1.0]
        seeds: 2
        jobs: 2
        data: {train_images: 2000, val_images: 16, size: 32}
        model: {blocks: [1, 1, 1, 1]}
        train: {iterations: 200, batch: 4, eval_every: 100, checkpoint_every: 100}
        """

    /// A folder with the sweep file and its store, the sweep registered and served.
    static func served(_ yaml: String, name: String) throws -> (dir: URL, spec: String, db: String, server: ServedDashboard) {
        let dir = try CLIRunner.temporaryDirectory()
        let spec = dir.appendingPathComponent("\(name).yaml").path
        try yaml.write(toFile: spec, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("results.sqlite").path
        let registered = try CLIRunner.run(["run", spec, "--db", db, "--register-only"])
        #expect(registered.status == 0, "\(registered.stderr)")
        return (dir, spec, db, try ServedDashboard(db: db, in: dir))
    }

    @Test("the first page follows a sweep's counts without a reload")
    func liveIndex() async throws {
        let (dir, spec, db, server) = try Self.served(ServeCommandTests.tinyYAML, name: "tiny")
        defer { try? FileManager.default.removeItem(at: dir) }
        let browser = try HeadlessChromium(url: server.base, profile: dir.appendingPathComponent("chromium-profile"), width: 1280, height: 600)
        defer { browser.stop() }

        // jobs, done, running, failed, interrupted, pending of the sweep's line
        let countsScript = "JSON.stringify(Array.from(document.querySelectorAll('#sweeps tbody tr td')).slice(1, 7).map(function (td) { "
            + "return Number(td.textContent); }))"
        let (first, last) = try await browser.withPage { page -> ([Int], [Int]) in
            var counts: [Int] = []
            for _ in 0..<300 where counts.count != 6 {
                counts = (try? JSONDecoder().decode([Int].self, from: Data(try await page.evaluate(countsScript).utf8))) ?? []
                if counts.count != 6 { try await Task.sleep(for: .milliseconds(100)) }
            }
            let first = counts
            _ = try await page.evaluate("window.auxsweepMarker = 'first load'; 'set'")
            let run = try CLIRunner.run(["run", spec, "--db", db])
            #expect(run.status == 0, "\(run.stderr)")
            for _ in 0..<240 where counts != [4, 4, 0, 0, 0, 0] {
                try await Task.sleep(for: .milliseconds(250))
                counts = try JSONDecoder().decode([Int].self, from: Data(try await page.evaluate(countsScript).utf8))
            }
            #expect(try await page.evaluate("String(window.auxsweepMarker)") == "first load", "the page was loaded again")
            return (first, counts)
        }
        #expect(first == [4, 0, 0, 0, 0, 4])
        #expect(last == [4, 4, 0, 0, 0, 0], "the list shows the finished sweep (within 60 s)")
        #expect(server.interrupt() == 0)
    }

    @Test("cells turn from pending through running to done without a reload")
    func liveCells() async throws {
        let (dir, spec, db, server) = try Self.served(Self.liveYAML, name: "live")
        defer { try? FileManager.default.removeItem(at: dir) }
        let browser = try HeadlessChromium(url: server.base.appendingPathComponent("sweeps/live"),
                                           profile: dir.appendingPathComponent("chromium-profile"), width: 1280, height: 1400)
        defer { browser.stop() }

        let cellsScript = "JSON.stringify(Array.from(document.querySelectorAll('td.cell')).map(function (td) { "
            + "return [td.dataset.key, td.className.replace('cell ', ''), td.textContent]; }))"
        let seen = try await browser.withPage { page -> [String: [String]] in
            // The page as first served: four pending cells. A marker on the window shows a reload.
            var cells: [[String]] = []
            for _ in 0..<300 where cells.count != 4 {
                cells = (try? JSONDecoder().decode([[String]].self, from: Data(try await page.evaluate(cellsScript).utf8))) ?? []
                if cells.count != 4 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(cells.map { $0[0] } == ["0.0/0", "0.0/1", "1.0/0", "1.0/1"])
            #expect(cells.allSatisfy { $0[1] == "pending" })
            _ = try await page.evaluate("window.auxsweepMarker = 'first load'; 'set'")

            // One job written by the test: the page must show each state it is put in, however fast
            // the machine (a trained job may pass its running state between two looks).
            let store = try SQLiteStore.openExisting(path: db)
            let claimed = try #require(try store.claim(sweep: "live", worker: JobWorker(name: "test")))
            let key = "\(AblationReport.weight(claimed.auxWeight))/\(claimed.seed)"
            func waitFor(_ status: String, _ label: String) async throws -> [String] {
                var cell: [String] = []
                for _ in 0..<240 where cell != [key, status, label] {
                    try await Task.sleep(for: .milliseconds(250))
                    let now = try JSONDecoder().decode([[String]].self, from: Data(try await page.evaluate(cellsScript).utf8))
                    cell = now.first { $0[0] == key } ?? []
                }
                return cell
            }
            try store.record(claimed.claim, steps: (0..<4).map { StepRecord(iteration: $0, lr: 0.01, mainLoss: 1, auxLoss: 1, totalLoss: 2) },
                             evaluations: [])
            #expect(try await waitFor("running", "4/200") == [key, "running", "4/200"])
            try store.record(claimed.claim, steps: [], evaluations: [EvaluationRecord(iteration: 200, miou: 0.25, pixelAccuracy: 0.5, classIoU: [0.25])],
                             status: .done)
            #expect(try await waitFor("done", "0.2500") == [key, "done", "0.2500"])

            let run = try CLIRunner.start(["run", spec, "--db", db], in: dir, name: "run")
            var statuses: [String: [String]] = [:]
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline {
                let now = try JSONDecoder().decode([[String]].self, from: Data(try await page.evaluate(cellsScript).utf8))
                for cell in now where statuses[cell[0]]?.last != cell[1] { statuses[cell[0], default: []].append(cell[1]) }
                if now.count == 4 && now.allSatisfy({ $0[1] == "done" }) { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            run.waitUntilExit()
            #expect(run.terminationStatus == 0)
            #expect(try await page.evaluate("String(window.auxsweepMarker)") == "first load", "the page was loaded again")

            // The cells show the final mIoU the store holds; the report came in with the last job.
            let expected = try store.jobSummaries(JobFilter(sweep: "live")).map { String(format: "%.4f", $0.miou ?? -1) }
            let texts = try JSONDecoder().decode([[String]].self, from: Data(try await page.evaluate(cellsScript).utf8)).map { $0[2] }
            #expect(texts == expected)
            var verdict = ""
            for _ in 0..<240 where !verdict.contains("best w =") {
                verdict = try await page.evaluate("document.querySelector('#report .verdict').textContent")
                if !verdict.contains("best w =") { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(verdict.contains("this sweep: best w ="))
            #expect(try await page.evaluate("document.getElementById('counts').textContent") == "4 done")

            let png = try await page.screenshot()
            try png.write(to: dir.appendingPathComponent("dashboard.png"))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
            return statuses.filter { $0.key != key }
        }
        // The trained jobs' cells went from pending to done in the same page (through running when a
        // look fell within it), never back.
        for (key, history) in seen {
            #expect(history == ["pending", "running", "done"] || history == ["pending", "done"], "\(key): \(history)")
        }
        #expect(seen.count == 3)
        #expect(server.interrupt() == 0)
    }
}
