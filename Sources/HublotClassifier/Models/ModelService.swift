import Foundation
import Logging
import NIOPosix
import ServiceLifecycle

/// The service that brings the models to life and puts them to rest: at start it loads the models the
/// first scan found (one after the other, each warmed with one full batch); under `poll` control it
/// then scans the repository every poll interval and applies what changed; on graceful shutdown, once
/// the HTTP server has finished its requests, it drains and stops every batch queue and the decode threads.
public struct ModelService: Service {
    let manager: ModelManager
    let initial: [ModelRegistry.Lifecycle.Action]
    let decodePool: NIOThreadPool

    /// Creates the service; `initial` are the actions of the first scan, performed by `run()`.
    init(manager: ModelManager, initial: [ModelRegistry.Lifecycle.Action], decodePool: NIOThreadPool) {
        self.manager = manager
        self.initial = initial
        self.decodePool = decodePool
    }

    /// Loads the first scan's models, polls the repository while the server runs (poll control), then
    /// stops the batch queues.
    public func run() async throws {
        let started = ContinuousClock.now
        let registry = self.manager.registry, logger = self.manager.logger, configuration = self.manager.configuration
        await self.manager.perform(self.initial)
        logger.info(
            "models loaded",
            metadata: [
                "ready": .stringConvertible(registry.readyCount), "total": .stringConvertible(registry.names.count),
                "elapsed_ms": .stringConvertible((ContinuousClock.now - started).milliseconds),
                "model_control": .stringConvertible(configuration.modelControl),
            ])
        if configuration.modelControl == .poll {
            // A timer, not synchronisation: the repository has no change notification hublot-init could
            // rely on across Docker volumes and network file systems.
            try? await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: configuration.pollInterval)
                    await self.manager.scan(apply: true)
                }
            }
        }
        try? await gracefulShutdown()
        await self.manager.shutdown()
        try? await self.decodePool.shutdownGracefully()
        logger.info("batch queues drained and stopped")
    }
}
