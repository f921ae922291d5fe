import ServiceLifecycle

/// Runs for the lifetime of the application and closes the classifier connections on graceful shutdown.
public struct ClassifierClientService: Service {
    /// The client to close.
    public let client: ClassifierClient

    /// Wraps a client.
    public init(client: ClassifierClient) {
        self.client = client
    }

    /// Waits for graceful shutdown, then closes the client.
    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
