import Foundation
import HublotCore
import HublotHTTP
import NIOPosix

/// Classifies uploads and runs raw tensors: looks the model up, decodes and preprocesses on the decode
/// thread pool (off the event loops and the cooperative pool), goes through the model's batch queue,
/// and maps every failure to its ``APIError``.
public struct ClassificationService: Sendable {
    /// The models.
    public let registry: ModelRegistry
    /// The server configuration (limits).
    public let configuration: ClassifierConfiguration
    /// Metrics sink.
    public let metrics: ClassifierMetrics
    /// Threads that decode and preprocess.
    let decodePool: NIOThreadPool

    /// Creates the service; `decodePool` must be started.
    public init(registry: ModelRegistry, configuration: ClassifierConfiguration, metrics: ClassifierMetrics, decodePool: NIOThreadPool) {
        self.registry = registry
        self.configuration = configuration
        self.metrics = metrics
        self.decodePool = decodePool
    }

    /// The entry of a known model, else 404 `unknown_model`.
    public func entry(_ name: String) throws -> ModelEntry {
        guard let entry = self.registry.entry(name) else {
            throw APIError.unknownModel(name, available: self.registry.names)
        }
        return entry
    }

    /// The ready model and its queue, else 404 or 503 `model_not_ready` (with the reason of a failure).
    public func ready(_ name: String) throws -> (any LoadedModel, BatchQueue) {
        switch try self.entry(name).state {
        case .ready(let model, let queue):
            return (model, queue)
        case .loading:
            throw APIError.modelNotReady("model '\(name)' is still loading", retryAfterSeconds: self.configuration.retryAfterSeconds)
        case .failed(let reason):
            throw APIError.modelNotReady("model '\(name)' failed to load: \(reason)", retryAfterSeconds: self.configuration.retryAfterSeconds)
        }
    }

    /// Decodes, preprocesses and classifies `bytes` with `model`; returns the top `topK` classes.
    public func classify(_ bytes: [UInt8], model name: String, topK: Int, startedAt: ContinuousClock.Instant) async throws -> ClassifyResponse {
        let (model, queue) = try self.ready(name)
        let maxPixels = self.configuration.maxPixels
        let prepared: PreparedImage
        try self.admit(queue, model: name)
        do {
            prepared = try await self.decodePool.runIfActive { try model.prepare(bytes, maxPixels: maxPixels) }
        } catch let error as HublotError {
            queue.withdraw()
            throw Self.apiError(error)
        } catch {
            queue.withdraw()
            throw error
        }
        let result = try await self.submit([prepared.tensor], to: queue, model: name, announced: true)[0]
        let predictions = Self.topK(result.output, k: topK).map { index, probability in
            Prediction(index: index, label: model.label(index), probability: probability)
        }
        let timings = Timings(
            decode_ms: prepared.decodeDuration.milliseconds, preprocess_ms: prepared.preprocessDuration.milliseconds,
            queue_ms: result.queueDuration.milliseconds, inference_ms: result.inferenceDuration.milliseconds,
            total_ms: (ContinuousClock.now - startedAt).milliseconds)
        return ClassifyResponse(model: name, predictions: predictions, timings: timings)
    }

    /// Runs already preprocessed tensors through the model's queue (the v2 infer path).
    public func infer(_ tensors: [[Float]], model name: String) async throws -> [[Float]] {
        let (_, queue) = try self.ready(name)
        return try await self.submit(tensors, to: queue, model: name).map(\.output)
    }

    /// Reserves room for one image in the model's queue before decoding it, else 503.
    private func admit(_ queue: BatchQueue, model: String) throws {
        do {
            try queue.announce()
        } catch let error as BatchQueueError {
            throw self.apiError(error, model: model)
        }
    }

    /// The HTTP error for a queue error.
    private func apiError(_ error: BatchQueueError, model: String) -> APIError {
        switch error {
        case .full(let capacity):
            self.metrics.recordRejection(model: model)
            return APIError.overloaded(
                "model '\(model)' has \(capacity) images in progress already; retry later",
                retryAfterSeconds: self.configuration.retryAfterSeconds)
        case .stopped:
            return APIError.modelNotReady("the server is shutting down", retryAfterSeconds: self.configuration.retryAfterSeconds)
        case .inferenceFailed(let message):
            return APIError.internal("inference failed: \(message)")
        }
    }

    private func submit(_ tensors: [[Float]], to queue: BatchQueue, model: String, announced: Bool = false) async throws -> [BatchResult] {
        do {
            let results = tensors.count == 1 ? [try await queue.submit(tensors[0], announced: announced)] : try await queue.submit(tensors)
            for result in results { self.metrics.recordQueueWait(model: model, duration: result.queueDuration) }
            return results
        } catch let error as BatchQueueError {
            throw self.apiError(error, model: model)
        }
    }

    /// Maps a HublotCore image error to its HTTP error.
    static func apiError(_ error: HublotError) -> APIError {
        switch error.kind {
        case .tooManyPixels: .tooManyPixels(error.message)
        case .emptyImage: .badRequest(error.message)
        case .unsupportedImageFormat, .invalidImage, .imageTooSmall: .invalidImage(error.message)
        default: .internal(error.message)
        }
    }

    /// The `k` largest values with their indices, largest first (ties by lower index).
    static func topK(_ values: [Float], k: Int) -> [(Int, Float)] {
        let sorted = values.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
        return sorted.prefix(k).map { ($0.offset, $0.element) }
    }
}
