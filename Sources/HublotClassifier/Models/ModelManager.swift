import Foundation
import HublotAPI
import HublotCore
import HublotHTTP
import Logging
import Synchronization

/// Performs what the models' lifecycle decides: scans the repository, loads and warms versions (one
/// at a time, each on its own thread, off the cooperative pool), and retires versions (their queue
/// answers what it admitted, then stops; the session is released with its last request). Used by
/// ``ModelService`` (start, polling, shutdown) and by the repository API (explicit load and unload).
public struct ModelManager: Sendable {
    /// The models.
    public let registry: ModelRegistry
    let source: any ModelSource
    let configuration: ClassifierConfiguration
    let metrics: ClassifierMetrics
    let logger: Logger
    /// Answers cached by versions; a retired version's are dropped.
    let responseCache: ResponseCache?

    /// One load at a time: two graph optimisations at once would only compete for the cores, and the
    /// memory budget is charged one version after the other.
    private static let loading = Mutex<Void>(())

    /// Creates the manager; nothing happens until asked.
    public init(
        registry: ModelRegistry, source: any ModelSource, configuration: ClassifierConfiguration, metrics: ClassifierMetrics, logger: Logger,
        responseCache: ResponseCache? = nil
    ) {
        self.registry = registry
        self.source = source
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.responseCache = responseCache
    }

    /// Scans the repository and tells the registry; with `apply`, performs the loads and retirements
    /// that follow. A repository that cannot be read changes nothing (logged).
    public func scan(apply: Bool) async {
        let candidates: [ModelCandidate]
        do {
            candidates = try self.source.scan()
        } catch {
            self.logger.error("cannot scan the model repository", metadata: ["reason": .string(String(describing: error))])
            return
        }
        await self.perform(self.registry.scanned(candidates, apply: apply))
    }

    /// Loads the repository's current version of `name` (explicit control) and waits until it serves;
    /// returns its entry. Throws 404 when the repository has no such model, and the load's failure or
    /// refusal (memory budget) otherwise.
    public func load(_ name: String) async throws -> ModelEntry {
        let candidates: [ModelCandidate]
        do {
            candidates = try self.source.scan()
        } catch {
            throw APIError.internal("cannot read the model repository: \(error)")
        }
        guard let candidate = candidates.first(where: { $0.name == name }) else {
            throw APIError.unknownModel(name, available: candidates.map(\.name))
        }
        switch self.registry.beginLoad(candidate) {
        case .failure(let refusal):
            self.metrics.recordLoad(model: name, outcome: "refused", duration: nil)
            throw APIError.modelLoadFailed("model '\(name)' was not loaded: \(refusal.reason)")
        case .success(let action):
            if let action { await self.perform([action]) }
        }
        let state = try await self.registry.settledState(of: name)
        guard let entry = self.registry.entry(name), state?.isReady == true else {
            let reason = self.registry.entry(name)?.reason ?? "it is no longer in the repository"
            throw APIError.modelLoadFailed("model '\(name)' was not loaded: \(reason)")
        }
        return entry
    }

    /// Unloads `name` (explicit control): its queue answers what it admitted, then stops. Returns its entry.
    public func unload(_ name: String) async throws -> ModelEntry {
        guard let actions = self.registry.unload(name) else {
            throw APIError.unknownModel(name, available: self.registry.names)
        }
        await self.perform(actions)
        guard let entry = self.registry.entry(name) else { throw APIError.unknownModel(name, available: self.registry.names) }
        return entry
    }

    /// Takes every version out of service (graceful shutdown, after the HTTP server finished its requests).
    public func shutdown() async {
        await self.perform(self.registry.shutdown())
    }

    /// Performs `actions`, one after the other, and whatever their outcomes lead to.
    func perform(_ actions: [ModelRegistry.Lifecycle.Action]) async {
        var pending = actions
        while !pending.isEmpty {
            let action = pending.removeFirst()
            switch action {
            case .load(let candidate):
                // Stopping: the load is skipped; shutdown settles the model.
                if Task.isShuttingDownGracefully { continue }
                pending += await self.load(candidate)
            case .retire(let name, let serving):
                // The thread gets the queue only: the model is released here, when the last request
                // and this action let go of it, not whenever the thread object goes away.
                let queue = serving.queue
                await runOnThread(name: "hublot-retire-\(name)") { queue.stop() }
                if let cache = self.responseCache {
                    cache.invalidate(model: name, version: serving.version.label)
                    self.metrics.setCacheSize(cache)
                }
                self.metrics.recordUnload(model: name)
                if self.registry.entry(name) == nil { self.metrics.setModelReady(name, ready: false, loaded: self.registry.readyCount) }
                self.logger.info("model version retired", metadata: ["model": .string(name), "version": .string(serving.version.label)])
            case .report(let name, let reason):
                self.metrics.recordLoad(model: name, outcome: "failure", duration: nil)
                self.logger.error("model cannot be loaded", metadata: ["model": .string(name), "reason": .string(reason)])
            }
            self.updateReadiness()
        }
    }

    /// Loads and warms one version, then reports to the registry; returns the actions that follow.
    private func load(_ candidate: ModelCandidate) async -> [ModelRegistry.Lifecycle.Action] {
        let name = candidate.name
        let source = self.source
        let configuration = self.configuration
        let started = ContinuousClock.now
        let outcome: Result<[any LoadedModel], any Error> = await runOnThread(name: "hublot-load-\(name)") {
            Self.loading.withLock { _ in
                Result {
                    // One session per instance, each warmed up: one full batch, so the first real request
                    // does not pay for lazy initialisation.
                    try (0..<configuration.instances).map { _ in
                        let model = try source.load(name, inferenceThreads: configuration.inferenceThreads)
                        let zeros = BatchBuffer(rows: configuration.maxBatchSize, valuesPerImage: model.valuesPerImage)
                        let rows = try model.infer(zeros.rows(configuration.maxBatchSize), count: configuration.maxBatchSize)
                        guard rows.count == configuration.maxBatchSize else {
                            throw ModelLoadError(message: "warm-up returned \(rows.count) rows for \(configuration.maxBatchSize) inputs")
                        }
                        return model
                    }
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        switch outcome {
        case .success(let instances):
            // The first instance decodes, preprocesses and ranks for every request; each runs batches.
            let model = instances[0]
            let serving = ServingModel(model: model, queue: self.queue(name, for: instances), version: model.version)
            self.metrics.recordLoad(model: name, outcome: "success", duration: elapsed)
            self.logger.info(
                "model ready",
                metadata: [
                    "model": .string(name), "version": .string(model.version.label), "load_ms": .stringConvertible(elapsed.milliseconds),
                    "instances": .stringConvertible(instances.count),
                ])
            if let warning = model.summary.warning {
                self.logger.warning("model loaded with a warning", metadata: ["model": .string(name), "warning": .string(warning)])
            }
            return self.registry.loadFinished(name, version: candidate.version, outcome: .success((serving, model.summary)))
        case .failure(let error):
            let reason = (error as? HublotError)?.message ?? String(describing: error)
            self.metrics.recordLoad(model: name, outcome: "failure", duration: elapsed)
            self.logger.error("model failed to load", metadata: ["model": .string(name), "version": .string(candidate.version.label), "reason": .string(reason)])
            return self.registry.loadFinished(name, version: candidate.version, outcome: .failure(.init(reason: reason)))
        }
    }

    /// The batch queue of a freshly loaded version: one runner per instance.
    private func queue(_ name: String, for instances: [any LoadedModel]) -> BatchQueue {
        let metrics = self.metrics, configuration = self.configuration
        return BatchQueue(
            name: name, maxBatchSize: configuration.maxBatchSize, maxDelay: configuration.maxBatchDelay,
            capacity: configuration.queueCapacity, lowPriorityBatches: configuration.maxExplanations,
            valuesPerImage: instances[0].valuesPerImage,
            observer: { size, inference, waiting in
                metrics.recordBatch(model: name, size: size, inference: inference)
                metrics.setQueueDepth(model: name, depth: waiting)
            },
            runners: instances.map { model in { input, count in try model.infer(input, count: count) } })
    }

    /// Sets the readiness gauges from the registry.
    private func updateReadiness() {
        let entries = self.registry.entries
        let loaded = entries.filter(\.state.isReady).count
        for entry in entries { self.metrics.setModelReady(entry.summary.name, ready: entry.state.isReady, loaded: loaded) }
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
