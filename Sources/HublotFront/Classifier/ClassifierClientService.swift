import ServiceLifecycle

/// Runs for the lifetime of the application: resolves the classifier's replicas at start and every
/// `--classifier-dns-refresh` seconds, and closes the classifier connections on graceful shutdown.
public struct ClassifierClientService: Service {
    /// The client to refresh and close.
    public let client: ClassifierClient

    /// Wraps a client.
    public init(client: ClassifierClient) {
        self.client = client
    }

    /// Refreshes the replicas until graceful shutdown, then closes the client.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await client.replicas.refreshPeriodically() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        try await client.shutdown()
    }
}
