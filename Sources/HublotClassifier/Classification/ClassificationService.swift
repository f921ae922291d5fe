import Foundation
import HublotAPI
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
    /// The memory concurrent decodes may take.
    public let decodeBudget: DecodeBudget
    /// Answers kept for images sent again; nil when off.
    public let responseCache: ResponseCache?

    /// Creates the service; `decodePool` must be started. `decodeBudget` defaults to one of
    /// `configuration.decodeMemoryBytes`.
    public init(
        registry: ModelRegistry, configuration: ClassifierConfiguration, metrics: ClassifierMetrics, decodePool: NIOThreadPool,
        decodeBudget: DecodeBudget? = nil, responseCache: ResponseCache? = nil
    ) {
        self.registry = registry
        self.configuration = configuration
        self.metrics = metrics
        self.decodePool = decodePool
        self.decodeBudget = decodeBudget ?? DecodeBudget(bytes: configuration.decodeMemoryBytes)
        self.responseCache = responseCache
    }

    /// The entry of a known model, else 404 `unknown_model`.
    public func entry(_ name: String) throws -> ModelEntry {
        guard let entry = self.registry.entry(name) else {
            throw APIError.unknownModel(name, available: self.registry.names)
        }
        return entry
    }

    /// The ready model of `entry` and its queue, else 503 `model_not_ready` (with the reason of a failure).
    public func ready(_ entry: ModelEntry) throws -> ReadyModel {
        let name = entry.summary.name
        switch entry.state {
        case .ready(let serving):
            return ReadyModel(name: name, model: serving.model, queue: serving.queue, version: serving.version.label)
        case .loading:
            throw APIError.modelNotReady("model '\(name)' is still loading", retryAfterSeconds: self.configuration.retryAfterSeconds)
        case .failed(let reason):
            throw APIError.modelNotReady("model '\(name)' failed to load: \(reason)", retryAfterSeconds: self.configuration.retryAfterSeconds)
        case .unavailable(let reason):
            throw APIError.modelNotReady("model '\(name)' is not loaded (\(reason))", retryAfterSeconds: self.configuration.retryAfterSeconds)
        }
    }

    /// Decodes and preprocesses `bytes` straight into its row of the batch being filled, waits for
    /// its batch, and returns the top `topK` classes. With a response cache, an image this version
    /// answered before (same bytes, same `topK`) is answered from it (`timings.cached`), without decoding
    /// nor inference; the image's SHA-256 is computed on the decode pool.
    public func classify(_ bytes: [UInt8], model asked: ReadyModel, topK: Int, startedAt: ContinuousClock.Instant) async throws -> Classification {
        guard let cache = self.responseCache else {
            return try await self.classifyUncached(bytes, model: asked, topK: topK, startedAt: startedAt)
        }
        let key = try await self.decodePool.runIfActive { ResponseCache.Key(model: asked.name, version: asked.version, image: bytes, topK: topK) }
        if let predictions = cache.predictions(for: key) {
            self.metrics.recordCacheLookup(model: asked.name, hit: true, cache: cache)
            var timings = Timings(total: ContinuousClock.now - startedAt)
            timings.cached = true
            return Classification(model: asked.name, version: asked.version, predictions: predictions, timings: timings)
        }
        let answer = try await self.classifyUncached(bytes, model: asked, topK: topK, startedAt: startedAt)
        // Under the version that answered (a replacement may have moved the request to the new one).
        if let version = answer.version {
            cache.store(answer.predictions, for: ResponseCache.Key(model: asked.name, version: version, digest: key.digest, topK: topK))
        }
        self.metrics.recordCacheLookup(model: asked.name, hit: false, cache: cache)
        return answer
    }

    /// ``classify(_:model:topK:startedAt:)`` without the cache.
    private func classifyUncached(_ bytes: [UInt8], model asked: ReadyModel, topK: Int, startedAt: ContinuousClock.Instant) async throws -> Classification {
        let (ready, slots) = try self.admit(1, to: asked)
        let queue = ready.queue, model = ready.model, slot = slots[0]
        var timings: Timings
        do {
            timings = try await self.prepare(bytes, model: model, into: queue.buffer(of: slot), row: slot.index).timings
        } catch {
            queue.withdraw(slot)
            throw error
        }
        let result = try await self.results(of: [slot], in: ready)[0]
        timings.queueMs = result.queueDuration.milliseconds
        timings.inferenceMs = result.inferenceDuration.milliseconds
        timings.totalMs = (ContinuousClock.now - startedAt).milliseconds
        return Classification(model: ready.name, version: ready.version, predictions: model.topK(result.output, k: topK), timings: timings)
    }

    /// Decodes and preprocesses `bytes` into row `row` of `buffer` on the decode thread pool, within the
    /// process's decoding budget (503 `overloaded` when it has no room); every image error mapped to its
    /// ``APIError``. Returns the timings and the photo's size.
    func prepare(_ bytes: [UInt8], model: any LoadedModel, into buffer: BatchBuffer, row: Int) async throws -> PreparedImage {
        let options = DecodeOptions(
            maxPixels: self.configuration.maxPixels, maxDecodedBytes: self.configuration.maxDecodedBytes,
            maxJPEGScans: self.configuration.maxJPEGScans)
        let budget = self.decodeBudget
        do {
            return try await self.decodePool.runIfActive {
                // The header says what the decode will take; the process budget must have room for it.
                let header = try bytes.withUnsafeBytes { raw throws(HublotError) in try ImageDecoder(options: options).header(raw) }
                let cost = header.decodedBytes
                guard budget.tryReserve(cost) else { throw DecodeBudgetExhausted(bytes: cost) }
                defer { budget.release(cost) }
                let timings = try model.prepare(bytes, into: buffer.row(row), options: options)
                return PreparedImage(timings: timings, width: header.width, height: header.height)
            }
        } catch let error as DecodeBudgetExhausted {
            throw APIError.overloaded(
                "decoding this image takes \(error.bytes >> 20) MiB and the \(budget.capacity >> 20) MiB decoding budget is in use; retry later",
                retryAfterSeconds: self.configuration.retryAfterSeconds)
        } catch let error as HublotError {
            throw Self.apiError(error)
        }
    }

    /// Runs already preprocessed images (`count` of them, back to back in `values`) through the model's
    /// queue (the v2 infer path): each is copied from the request into its row of the batch buffer.
    public func infer(_ values: [Float], count: Int, model asked: ReadyModel) async throws -> (model: ReadyModel, outputs: [[Float]]) {
        let (ready, slots) = try self.admit(count, to: asked)
        guard ready.model.valuesPerImage == asked.model.valuesPerImage else {
            for slot in slots { ready.queue.withdraw(slot) }
            throw APIError.modelNotReady(
                "model '\(ready.name)' was replaced by version \(ready.version) with another input size while the request arrived; send it again",
                retryAfterSeconds: self.configuration.retryAfterSeconds)
        }
        let perImage = ready.model.valuesPerImage
        values.withUnsafeBufferPointer { all in
            for (image, slot) in slots.enumerated() {
                let row = ready.queue.buffer(of: slot).row(slot.index)
                _ = row.update(fromContentsOf: all[(image * perImage)..<((image + 1) * perImage)])
            }
        }
        return (ready, try await self.results(of: slots, in: ready).map(\.output))
    }

    /// Runs encoded images (the v2 infer path's BYTES input) through the model's queue: admitted all at
    /// once, each decoded and preprocessed into its row on the decode pool, concurrently. One image that
    /// cannot be decoded fails the request with its error, its position named; nothing is run then.
    public func infer(images: [[UInt8]], model asked: ReadyModel) async throws -> (model: ReadyModel, outputs: [[Float]]) {
        let (ready, slots) = try self.admit(images.count, to: asked)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (position, (image, slot)) in zip(images, slots).enumerated() {
                    group.addTask {
                        do {
                            _ = try await self.prepare(image, model: ready.model, into: ready.queue.buffer(of: slot), row: slot.index)
                        } catch let error as APIError where images.count > 1 {
                            throw APIError(status: error.status, code: error.code, message: "image \(position): \(error.message)", headers: error.headers)
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            for slot in slots { ready.queue.withdraw(slot) }
            throw error
        }
        return (ready, try await self.results(of: slots, in: ready).map(\.output))
    }

    /// Admits `count` images into the model's queue before preparing them, else 503 (full) or 400 (never
    /// fits). When the version looked up was retired meanwhile (its queue stopped: the model was replaced
    /// while the request arrived), the version serving now takes them: a replacement loses no request.
    /// Low-priority images (explanations) go through the queue's low-priority lane.
    func admit(_ count: Int, to ready: ReadyModel, priority: BatchPriority = .normal) throws -> (ReadyModel, [BatchSlot]) {
        var ready = ready
        while true {
            do {
                return (ready, try ready.queue.admit(count: count, priority: priority))
            } catch .stopped {
                guard let entry = self.registry.entry(ready.name), case .ready(let serving) = entry.state, serving.queue !== ready.queue else {
                    throw self.apiError(.stopped, model: ready.name)
                }
                ready = ReadyModel(name: ready.name, model: serving.model, queue: serving.queue, version: serving.version.label)
            } catch {
                throw self.apiError(error, model: ready.name)
            }
        }
    }

    /// Submits the prepared `slots` and waits for their outputs, in order. Their queue waits count in
    /// `hublot_queue_wait_seconds` unless `recordingWaits` is false (explanations: their low-priority
    /// waits would blur what classifications wait).
    func results(of slots: [BatchSlot], in ready: ReadyModel, recordingWaits: Bool = true) async throws -> [BatchResult] {
        let queue = ready.queue
        do {
            let results: [BatchResult]
            if slots.count == 1 {
                results = [try await queue.result(of: slots[0])]
            } else {
                results = try await withThrowingTaskGroup(of: (Int, BatchResult).self) { group in
                    for (index, slot) in slots.enumerated() { group.addTask { (index, try await queue.result(of: slot)) } }
                    var results = [BatchResult?](repeating: nil, count: slots.count)
                    for try await (index, result) in group { results[index] = result }
                    return results.compactMap { $0 }
                }
            }
            if recordingWaits {
                for result in results { self.metrics.recordQueueWait(model: ready.name, duration: result.queueDuration) }
            }
            return results
        } catch let error as BatchQueueError {
            throw self.apiError(error, model: ready.name)
        }
    }

    /// The HTTP error for a queue error.
    func apiError(_ error: BatchQueueError, model: String) -> APIError {
        switch error {
        case .full(let capacity):
            self.metrics.recordRejection(model: model)
            return APIError.overloaded(
                "model '\(model)' has \(capacity) images in progress already; retry later",
                retryAfterSeconds: self.configuration.retryAfterSeconds)
        case .tooLarge(let count, let capacity):
            return APIError.badRequest("a batch of \(count) images is more than model '\(model)' can ever hold at once (\(capacity)); send at most \(capacity)")
        case .stopped:
            return APIError.modelNotReady(
                "model '\(model)' was unloaded or the server is shutting down", retryAfterSeconds: self.configuration.retryAfterSeconds)
        case .inferenceFailed(let message):
            return APIError.internal("inference failed: \(message)")
        case .cancelled:
            return APIError(status: .init(code: 499, reasonPhrase: "Client Closed Request"), code: .badRequest, message: "the client went away")
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
}

/// A model ready to serve and its batch queue, looked up once per request and carried along.
public struct ReadyModel: Sendable {
    /// The model's name.
    public let name: String
    /// The loaded model.
    public let model: any LoadedModel
    /// Its batch queue.
    public let queue: BatchQueue
    /// The version loaded (what the answers report).
    public let version: String
}

/// An image decoded and preprocessed into its row.
struct PreparedImage: Sendable {
    /// Decode and preprocess times.
    var timings: Timings
    /// The photo's width in pixels.
    var width: Int
    /// The photo's height in pixels.
    var height: Int
}

/// The decoding memory budget has no room for an image right now.
struct DecodeBudgetExhausted: Error {
    let bytes: Int
}
