import Foundation
import HTTPTypes
import Hummingbird
import Segmentation
import Sweep

/// Every path the dashboard answers, all GET (the server never writes): pages, fragments the pages
/// fetch again, downloads, the JSON API and the event streams. Anything else is a 404 page.
struct DashboardRoutes: Sendable {
    let monitor: SweepMonitor
    let location: String
    /// Quiet seconds between keep-alive comments on an event stream (a closed browser is noticed then).
    let keepAlive: Int

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Responses.html(IndexPage.render(try await monitor.index(), location: location)) }
        router.get("/fragments/sweeps") { _, _ in Responses.html(IndexPage.table(try await monitor.index().sweeps)) }
        router.get("/assets/dashboard.js") { _, _ in Responses.body(DashboardScript.javascript, contentType: "text/javascript; charset=utf-8") }
        router.get("/assets/dashboard.css") { _, _ in Responses.body(DashboardStyle.css, contentType: "text/css; charset=utf-8") }

        router.get("/sweeps/{name}") { _, context in
            let name = try Self.sweepName(context)
            let state = try await monitor.state(name)
            let details = try await monitor.details(name)
            let report = try await monitor.report(name)
            return Responses.html(SweepPage.render(state: state, record: details.record, adaptive: details.adaptive, report: report))
        }
        router.get("/sweeps/{name}/fragments/grid") { _, context in
            let name = try Self.sweepName(context)
            return Responses.html(SweepPage.grid(state: try await monitor.state(name), adaptive: try await monitor.details(name).adaptive))
        }
        router.get("/sweeps/{name}/fragments/report") { _, context in
            let name = try Self.sweepName(context)
            let report = try await monitor.report(name)
            return Responses.html(SweepPage.reportFragment(report, cells: try await monitor.state(name).cells))
        }
        router.get("/sweeps/{name}/ablation.svg") { _, context in
            let name = try Self.sweepName(context)
            return Responses.body(try await monitor.report(name).ablationSVG, contentType: "image/svg+xml", download: "\(name)-ablation.svg")
        }
        router.get("/sweeps/{name}/curves.svg") { _, context in
            let name = try Self.sweepName(context)
            return Responses.body(try await monitor.curves(name), contentType: "image/svg+xml", download: "\(name)-curves.svg")
        }
        router.get("/sweeps/{name}/report.csv") { _, context in
            let name = try Self.sweepName(context)
            return Responses.body(try await monitor.report(name).csv, contentType: "text/csv; charset=utf-8", download: "\(name).csv")
        }
        router.get("/sweeps/{name}/report.md") { _, context in
            let name = try Self.sweepName(context)
            return Responses.body(try await monitor.report(name).markdown, contentType: "text/markdown; charset=utf-8", download: "\(name).md")
        }
        router.get("/sweeps/{name}/jobs/{weight}/{seed}") { _, context in
            let (name, key) = try Self.jobKey(context)
            return Responses.html(JobPage.render(try await monitor.job(name, key: key), version: try await monitor.state(name).version))
        }
        router.get("/sweeps/{name}/jobs/{weight}/{seed}/fragment") { _, context in
            let (name, key) = try Self.jobKey(context)
            return Responses.html(JobPage.fragment(try await monitor.job(name, key: key)))
        }
        router.get("/sweeps/{name}/jobs/{weight}/{seed}/curves.svg") { _, context in
            let (name, key) = try Self.jobKey(context)
            let detail = try await monitor.job(name, key: key)
            let title = "Sweep \(name), w = \(AblationReport.weight(detail.cell.auxWeight)), seed \(detail.cell.seed)"
            return Responses.body(JobCurves(title: title, steps: detail.steps, evaluations: detail.evaluations).svg(),
                                  contentType: "image/svg+xml")
        }

        router.get("/api/sweeps") { _, _ in Responses.json(try await monitor.sweeps()) }
        router.get("/api/sweeps/{name}") { _, context in Responses.json(try await monitor.state(try Self.sweepName(context))) }
        router.get("/api/sweeps/{name}/report") { _, context in
            Responses.body(try await monitor.report(try Self.sweepName(context)).json, contentType: "application/json; charset=utf-8")
        }
        router.get("/api/sweeps/{name}/changes") { request, context in
            let since = request.uri.queryParameters.get("since").flatMap { Int($0) } ?? -1
            return Responses.json(try await monitor.changes(try Self.sweepName(context), since: since))
        }
        router.get("/api/sweeps/{name}/jobs/{weight}/{seed}") { _, context in
            let (name, key) = try Self.jobKey(context)
            let detail = try await monitor.job(name, key: key)
            return Responses.json(JobDocument(cell: detail.cell, job: detail.job, steps: detail.steps, evaluations: detail.evaluations))
        }
        router.get("/api/sweeps/{name}/events") { request, context in try await events(request, context) }
        router.get("/api/events") { request, _ in indexEvents(request) }
    }

    /// The sweep's event stream: at once what changed after the version the page has (`since`, or the
    /// `Last-Event-ID` of a reconnecting browser), then every second whatever changed.
    func events(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let name = try Self.sweepName(context)
        // An unknown sweep is a 404 before any stream starts. A store that cannot be read now is not:
        // a browser does not reconnect after an error status, so the stream starts and says so.
        do {
            _ = try await monitor.state(name)
        } catch DashboardError.storeUnavailable {}
        let monitor = monitor
        let start = (version: Self.since(request), reportVersion: Int.min)
        return stream(from: start) { last in
            let changes = try await monitor.changes(name, since: last.version)
            guard changes.version != last.version || changes.reportVersion != last.reportVersion || changes.complete else { return nil }
            return ((changes.version, changes.reportVersion), Responses.event(id: changes.version, LiveUpdate(changes)))
        }
    }

    /// The first page's event stream: an event with the list's version whenever a sweep's line changed
    /// after the version the page has (the page then fetches `/fragments/sweeps`).
    func indexEvents(_ request: Request) -> Response {
        let monitor = monitor
        return stream(from: Self.since(request)) { last in
            let index = try await monitor.index()
            guard index.version != last else { return nil }
            return (index.version, Responses.event(id: index.version, IndexUpdate(version: index.version)))
        }
    }

    /// A server-sent event stream: every second, `next`'s event after `state`, if anything changed.
    ///
    /// `next` gives nil when nothing changed; a comment goes out when nothing did for `keepAlive`
    /// seconds. A store that cannot be read gives a `failure` event and the stream goes on; the first
    /// good look after one gives a `recovered` event (the page's label says so even when nothing
    /// changed meanwhile). Ends when the browser goes away (a write fails) or the server shuts down.
    private func stream<State: Sendable>(
        from start: State, next: @escaping @Sendable (State) async throws -> (State, ByteBuffer)?
    ) -> Response {
        let monitor = monitor, keepAlive = keepAlive
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            var state = start, quiet = 0, failing = false
            while await !monitor.isClosed {
                do {
                    let found = try await next(state)
                    if failing {
                        try await writer.write(Responses.event(id: nil, name: "recovered", LiveRecovery()))
                        failing = false
                    }
                    if let (after, event) = found {
                        try await writer.write(event)
                        (state, quiet) = (after, 0)
                    } else if quiet >= keepAlive {
                        try await writer.write(ByteBuffer(string: ": still here\n\n"))
                        quiet = 0
                    }
                } catch let error as DashboardError {
                    try await writer.write(Responses.event(id: nil, name: "failure", LiveFailure(message: error.description)))
                    failing = true
                }
                quiet += 1
                try await Task.sleep(for: .seconds(1))
            }
            try await writer.finish(nil)
        })
    }

    /// The version a page has: a reconnecting browser's `Last-Event-ID`, else `since`, else none (-1).
    static func since(_ request: Request) -> Int {
        request.headers[.lastEventID].flatMap { Int($0) } ?? request.uri.queryParameters.get("since").flatMap { Int($0) } ?? -1
    }

    static func sweepName(_ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require("name")
        return raw.removingPercentEncoding ?? raw
    }

    /// The sweep and the job's cell key from `{weight}/{seed}` (a weight written any way that parses).
    static func jobKey(_ context: BasicRequestContext) throws -> (sweep: String, key: String) {
        let name = try sweepName(context)
        let rawWeight = try context.parameters.require("weight"), rawSeed = try context.parameters.require("seed")
        guard let weight = Double(rawWeight.removingPercentEncoding ?? rawWeight), let seed = Int64(rawSeed) else {
            throw DashboardError.unknownJob(sweep: name, key: "\(rawWeight)/\(rawSeed)")
        }
        return (name, JobCell.key(weight: weight, seed: seed))
    }
}

/// `/api/sweeps/<name>/jobs/<w>/<seed>`: the job, its cell, every step and evaluation.
struct JobDocument: Encodable {
    let cell: JobCell
    let job: JobRecord
    let steps: [StepRecord]
    let evaluations: [EvaluationRecord]
}
