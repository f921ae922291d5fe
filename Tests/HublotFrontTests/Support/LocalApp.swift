import Hummingbird
import Logging
import ServiceLifecycle

/// A Hummingbird application of a test on 127.0.0.1, an ephemeral port, running until ``stop()``: the fake
/// classifier and the fake replicas. ``start(router:label:)`` returns once it listens (the port it bound is
/// reported by the server itself: no port guessed beforehand, no polling).
final class LocalApp: Sendable {
    /// The port it listens on.
    let port: Int
    private let serviceGroup: ServiceGroup
    private let running: Task<Void, any Error>

    private init(port: Int, serviceGroup: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.serviceGroup = serviceGroup
        self.running = running
    }

    /// Starts `router` and returns once it listens; `label` names it in logs and errors.
    static func start(router: Router<BasicRequestContext>, label: String) async throws -> LocalApp {
        let (bound, reportBound) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port { reportBound.yield(port) }
                reportBound.finish()
            },
            logger: Logger(label: label))
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: label)))
        let running = Task {
            defer { reportBound.finish() }
            try await serviceGroup.run()
        }
        guard let port = await bound.first(where: { _ in true }) else {
            running.cancel()
            _ = await running.result
            throw FixtureError("\(label) did not start")
        }
        return LocalApp(port: port, serviceGroup: serviceGroup, running: running)
    }

    /// Stops it gracefully (requests in flight are answered, then nothing listens on its port) and waits;
    /// rethrows what the server failed with.
    func stop() async throws {
        await serviceGroup.triggerGracefulShutdown()
        try await running.value
    }

    /// Stops it at once (a test that failed) and waits.
    func cancel() async {
        running.cancel()
        _ = await running.result
    }
}
