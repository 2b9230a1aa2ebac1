import ArgumentParser
import Dashboard
import Foundation
import Sweep

/// `auxsweep serve`: a live web dashboard of the store's sweeps, read-only.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch sweeps live in a browser: a read-only web dashboard of the results store.",
        discussion: """
            Serves, until Ctrl-C: / (every sweep with its jobs by status), /sweeps/NAME (a grid of weights x \
            seeds, one cell per job, with progress and ETA; the ablation table, its verdict and plots; the \
            training curves; failed jobs; an adaptive sweep's rounds) and /sweeps/NAME/jobs/W/SEED (loss \
            curves, evaluations, per-class IoU, errors). Pages update themselves while a sweep runs (server-sent \
            events, at most about 2 s behind the store). JSON under /api/ (/api/sweeps/NAME/report is 'report --format \
            json'); CSV, Markdown and SVG downloads on the sweep page. The store is opened read-only and read at \
            most once a second per sweep however many browsers watch: serving never writes and never blocks a \
            running sweep. Binds 127.0.0.1 (this machine only) unless --host says otherwise.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The address to listen on: 127.0.0.1 for this machine only, 0.0.0.0 for every network interface.")
    var host = "127.0.0.1"

    @Option(help: "The port (0: any free one; the line on start says which).")
    var port = 8080

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
    }

    func run() throws {
        try reportingErrors {
            let address = try database.address()
            let store = try address.openReadOnly()
            let server = DashboardServer(store: store, host: host, port: port)
            let exposure = ["127.0.0.1", "localhost", "::1"].contains(host)
                ? "this machine only" : "reachable from other machines: anyone who can reach this port sees every sweep"
            let failure = runBlocking {
                try await server.run { host, port in
                    printLine("serving \(address) read-only at http://\(host.contains(":") ? "[\(host)]" : host):\(port)/ (\(exposure)); Ctrl-C stops")
                }
            }
            if let failure = failure as? DashboardServerError {
                throw InputError(file: "\(host):\(port)", field: "--port", problem: "cannot listen there (\(failure))")
            }
            if let failure { throw failure }
        }
    }
}

/// Runs `body` on Swift's concurrency runtime from the main thread and waits for it; the error it
/// threw, or nil.
private func runBlocking(_ body: @escaping @Sendable () async throws -> Void) -> (any Error)? {
    let done = DispatchSemaphore(value: 0)
    let outcome = Locked<(any Error)?>(nil)
    Task {
        do { try await body() } catch { outcome.withLock { $0 = error } }
        done.signal()
    }
    done.wait()
    return outcome.value
}
