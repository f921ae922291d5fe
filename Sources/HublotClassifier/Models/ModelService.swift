import Foundation
import HublotAPI
import Logging
import NIOPosix
import ServiceLifecycle

/// The service that brings the models to life and puts them to rest: at start it loads each model
/// of the registry (one after the other, off the cooperative pool), warms it with one full batch, and
/// marks it `ready` (or `failed` with its reason, while the others serve); on graceful shutdown, once
/// the HTTP server has finished its requests, it drains and stops every batch queue and the decode threads.
public struct ModelService: Service {
    let registry: ModelRegistry
    let source: any ModelSource
    let configuration: ClassifierConfiguration
    let metrics: ClassifierMetrics
    let decodePool: NIOThreadPool
    let logger: Logger

    /// Creates the service; nothing happens until `run()`.
    public init(registry: ModelRegistry, source: any ModelSource, configuration: ClassifierConfiguration, metrics: ClassifierMetrics, decodePool: NIOThreadPool, logger: Logger) {
        self.decodePool = decodePool
        self.registry = registry
        self.source = source
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    /// Loads every model, then waits for shutdown and stops the batch queues.
    public func run() async throws {
        let started = ContinuousClock.now
        for entry in self.registry.entries {
            guard case .loading = entry.state else { continue }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            await self.load(entry.summary.name)
        }
        self.logger.info(
            "models loaded",
            metadata: [
                "ready": .stringConvertible(self.registry.readyCount), "total": .stringConvertible(self.registry.names.count),
                "elapsed_ms": .stringConvertible((ContinuousClock.now - started).milliseconds),
            ])
        try? await gracefulShutdown()
        let queues = self.registry.queues
        await runOnThread(name: "hublot-stop") {
            for queue in queues { queue.stop() }
        }
        try? await self.decodePool.shutdownGracefully()
        self.logger.info("batch queues drained and stopped")
    }

    private func load(_ name: String) async {
        let source = self.source
        let configuration = self.configuration
        let started = ContinuousClock.now
        let outcome: Result<any LoadedModel, any Error> = await runOnThread(name: "hublot-load-\(name)") {
            Result {
                let model = try source.load(name, inferenceThreads: configuration.inferenceThreads)
                // Warm-up: one full batch, so the first real request does not pay for lazy initialisation.
                let zeros = BatchBuffer(rows: configuration.maxBatchSize, valuesPerImage: model.valuesPerImage)
                let rows = try model.infer(zeros.rows(configuration.maxBatchSize), count: configuration.maxBatchSize)
                guard rows.count == configuration.maxBatchSize else {
                    throw ModelLoadError(message: "warm-up returned \(rows.count) rows for \(configuration.maxBatchSize) inputs")
                }
                return model
            }
        }
        switch outcome {
        case .success(let model):
            let metrics = self.metrics
            let queue = BatchQueue(
                name: name, maxBatchSize: configuration.maxBatchSize, maxDelay: configuration.maxBatchDelay,
                capacity: configuration.queueCapacity, valuesPerImage: model.valuesPerImage,
                observer: { size, inference, waiting in
                    metrics.recordBatch(model: name, size: size, inference: inference)
                    metrics.setQueueDepth(model: name, depth: waiting)
                },
                runner: { input, count in try model.infer(input, count: count) })
            self.registry.update(name, state: .ready(model, queue), summary: model.summary)
            self.metrics.setModelReady(name, ready: true, loaded: self.registry.readyCount)
            self.logger.info(
                "model ready", metadata: ["model": .string(name), "load_ms": .stringConvertible((ContinuousClock.now - started).milliseconds)])
        case .failure(let error):
            let reason = String(describing: error)
            self.registry.update(name, state: .failed(reason))
            self.metrics.setModelReady(name, ready: false, loaded: self.registry.readyCount)
            self.logger.error("model failed to load", metadata: ["model": .string(name), "reason": .string(reason)])
        }
    }
}

/// A model loaded but unusable.
struct ModelLoadError: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}

/// Runs blocking `work` on a new thread and returns its result without blocking the cooperative pool.
func runOnThread<T: Sendable>(name: String, _ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.name = name
        thread.start()
    }
}
