import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Sweep

/// `auxsweep serve`: the dashboard over HTTP (Hummingbird 2), reading `store` read-only.
///
/// Every page, API call and event stream reads through one `SweepMonitor`, which reads the store at
/// most once a second per sweep whatever the number of visitors. SIGINT and SIGTERM shut it down:
/// event streams end first, then the server finishes the requests in flight.
public struct DashboardServer: Sendable {
    public let host: String
    public let port: Int
    let monitor: SweepMonitor
    let routes: DashboardRoutes

    /// - Parameters:
    ///   - store: opened read-only (`StoreAddress.openReadOnly()`).
    ///   - port: 0 picks a free one (`run` reports which).
    ///   - keepAlive: quiet seconds between keep-alive comments on an event stream.
    public init(store: any ResultsStore, host: String, port: Int, keepAlive: Int = 15) {
        precondition((0...65535).contains(port), "a TCP port is 0...65535, got \(port)")
        self.host = host
        self.port = port
        let reader = StoreReader(store: store)
        monitor = SweepMonitor(reader: reader)
        routes = DashboardRoutes(monitor: monitor, location: store.location, keepAlive: keepAlive)
    }

    /// Serves until SIGINT or SIGTERM; `onReady` gets the address bound (the port `port: 0` got).
    /// Throws when the address cannot be bound.
    public func run(onReady: @escaping @Sendable (_ host: String, _ port: Int) -> Void) async throws {
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: DashboardErrorMiddleware())
        routes.register(on: router)
        let logger = Logger(label: "auxsweep.serve") { _ in SwiftLogNoOpLogHandler() }
        let host = host
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "auxsweep"),
                              onServerRunning: { channel in onReady(host, channel.localAddress?.port ?? 0) }, logger: logger)
        // Shut down in reverse order: the event streams end first, then the server drains.
        let group = ServiceGroup(configuration: .init(services: [.init(service: app), .init(service: StreamCloser(monitor: monitor))],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as IOError {
            // Binding failed (the port is taken, the address is not this machine's): the system's words.
            throw DashboardServerError(problem: String(cString: strerror(error.errnoCode)).lowercased())
        }
    }
}

/// The server could not start: why, in the system's words ("address already in use").
public struct DashboardServerError: Error, CustomStringConvertible {
    public let problem: String
    public var description: String { problem }
}

/// Waits for shutdown, then ends every event stream (which would otherwise keep the server's
/// graceful shutdown waiting for ever).
struct StreamCloser: Service {
    let monitor: SweepMonitor

    func run() async throws {
        try? await gracefulShutdown()
        await monitor.close()
    }
}
