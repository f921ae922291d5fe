import Foundation

/// The outcome of one image's trip through a ``BatchQueue``.
public struct BatchResult: Sendable {
    /// The model output for this image (probabilities).
    public let output: [Float]
    /// Time between enqueueing and the start of its batch.
    public let queueDuration: Duration
    /// Duration of the ONNX Runtime call that computed it (shared by the whole batch).
    public let inferenceDuration: Duration
    /// Number of images in that batch.
    public let batchSize: Int
}

/// Why a ``BatchQueue`` refused or failed an image.
public enum BatchQueueError: Error, Sendable, Equatable {
    /// The queue holds `capacity` images already.
    case full(capacity: Int)
    /// The queue is stopping and takes no new work.
    case stopped
    /// The batch this image was part of failed.
    case inferenceFailed(String)
}

/// Dynamic batching for one model: a bounded queue of preprocessed images and ONE dedicated thread
/// that gathers up to `maxBatchSize` images (or whatever arrived once the oldest has waited `maxDelay`),
/// runs them as one call of `run`, and hands each caller its own row of the result.
///
/// Callers may ``announce()`` an image they are still decoding: while announced images are on their way,
/// the thread waits for them (up to `maxDelay`); when none are, it runs what it has at once, so a lone
/// request does not pay the batching delay.
///
/// `submit` never waits for room: when the queue is full it throws ``BatchQueueError/full(capacity:)``
/// at once (the server answers 503). ``stop()`` refuses new work, lets the thread drain what is queued,
/// and returns when the thread has finished.
public final class BatchQueue: @unchecked Sendable {
    /// Runs one batch: inputs in, one output per input, same order. Called on the queue's own thread.
    public typealias Runner = @Sendable (_ inputs: [[Float]]) throws -> [[Float]]
    /// Observes each batch run (its size, its inference time, images still waiting), for metrics.
    public typealias BatchObserver = @Sendable (_ size: Int, _ inference: Duration, _ waiting: Int) -> Void

    private struct Entry {
        let input: [Float]
        let enqueued: ContinuousClock.Instant
        let continuation: CheckedContinuation<BatchResult, any Error>
    }

    /// Largest number of images per call of the runner.
    public let maxBatchSize: Int
    /// Longest time the oldest queued image waits for more to arrive.
    public let maxDelay: Duration
    /// Most images that may wait.
    public let capacity: Int

    // `condition` guards `pending`, `stopping` and `finished`: every access holds it.
    private let condition = NSCondition()
    private var pending: [Entry] = []
    private var pendingStart = 0
    private var stopping = false
    private var announced = 0
    private var finished = false
    private let runner: Runner
    private let observer: BatchObserver?
    private let name: String

    /// Creates the queue and starts its thread, named `hublot-batch-<name>`.
    public init(
        name: String, maxBatchSize: Int, maxDelay: Duration, capacity: Int,
        observer: BatchObserver? = nil, runner: @escaping Runner
    ) {
        self.name = name
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxDelay = max(.zero, maxDelay)
        self.capacity = max(1, capacity)
        self.runner = runner
        self.observer = observer
        let thread = Thread { [self] in self.loop() }
        thread.name = "hublot-batch-\(name)"
        thread.start()
    }

    /// Images waiting right now.
    public var depth: Int {
        self.condition.lock()
        defer { self.condition.unlock() }
        return self.pending.count - self.pendingStart
    }

    /// Admits one image that will be submitted soon (with `announced: true`) or withdrawn: it counts
    /// against the capacity from now on, so decoding work is bounded too. Throws
    /// ``BatchQueueError/full(capacity:)`` at once when there is no room, ``BatchQueueError/stopped`` after ``stop()``.
    public func announce() throws {
        self.condition.lock()
        defer { self.condition.unlock() }
        if self.stopping { throw BatchQueueError.stopped }
        guard self.load < self.capacity else { throw BatchQueueError.full(capacity: self.capacity) }
        self.announced += 1
    }

    /// Images queued, reserved or announced: what counts against the capacity. Hold the lock.
    private var load: Int { self.pending.count - self.pendingStart + self.reserved + self.announced }

    /// Withdraws an announcement whose image will not come (it failed to decode).
    public func withdraw() {
        self.condition.lock()
        self.announced -= 1
        self.condition.signal()
        self.condition.unlock()
    }

    /// Queues `inputs` (all or none) and waits for their outputs. Throws ``BatchQueueError/full(capacity:)``
    /// immediately when they do not fit, ``BatchQueueError/stopped`` after ``stop()``.
    public func submit(_ inputs: [[Float]]) async throws -> [BatchResult] {
        guard !inputs.isEmpty else { return [] }
        if inputs.count == 1 { return [try await self.submitOne(inputs[0], reserved: false)] }
        try self.reserve(inputs.count)
        return try await withThrowingTaskGroup(of: (Int, BatchResult).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask { (index, try await self.submitOne(input, reserved: true)) }
            }
            var results = [BatchResult?](repeating: nil, count: inputs.count)
            for try await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }

    /// Queues one input and waits for its output; `announced` settles an earlier ``announce()``.
    public func submit(_ input: [Float], announced: Bool = false) async throws -> BatchResult {
        try await self.submitOne(input, reserved: false, announced: announced)
    }

    // Reservations let a multi-image submission check capacity once for all its images.
    private var reserved = 0

    private func reserve(_ count: Int) throws {
        self.condition.lock()
        defer { self.condition.unlock() }
        if self.stopping { throw BatchQueueError.stopped }
        guard self.load + count <= self.capacity else {
            throw BatchQueueError.full(capacity: self.capacity)
        }
        self.reserved += count
    }

    private func submitOne(_ input: [Float], reserved: Bool, announced: Bool = false) async throws -> BatchResult {
        try await withCheckedThrowingContinuation { continuation in
            self.condition.lock()
            defer { self.condition.unlock() }
            if reserved { self.reserved -= 1 }
            if announced {
                self.announced -= 1
                self.condition.signal()
            }
            let admitted = reserved || announced
            if self.stopping && !admitted {
                continuation.resume(throwing: BatchQueueError.stopped)
                return
            }
            if !admitted && self.load >= self.capacity {
                continuation.resume(throwing: BatchQueueError.full(capacity: self.capacity))
                return
            }
            self.pending.append(Entry(input: input, enqueued: .now, continuation: continuation))
            self.condition.signal()
        }
    }

    /// Refuses new work, waits (blocking) until everything queued has been run and the thread has ended.
    public func stop() {
        self.condition.lock()
        self.stopping = true
        self.condition.broadcast()
        while !self.finished { self.condition.wait() }
        self.condition.unlock()
    }

    /// The batching thread: wait for work, gather a batch, run it, scatter the results.
    private func loop() {
        while let (batch, waiting) = self.nextBatch() {
            let started = ContinuousClock.now
            let outputs: Result<[[Float]], any Error> = Result { try self.runner(batch.map(\.input)) }
            let inference = ContinuousClock.now - started
            self.observer?(batch.count, inference, waiting)
            switch outputs {
            case .success(let rows) where rows.count == batch.count:
                for (entry, row) in zip(batch, rows) {
                    entry.continuation.resume(
                        returning: BatchResult(
                            output: row, queueDuration: started - entry.enqueued, inferenceDuration: inference,
                            batchSize: batch.count))
                }
            case .success(let rows):
                let error = BatchQueueError.inferenceFailed("the model returned \(rows.count) rows for \(batch.count) inputs")
                for entry in batch { entry.continuation.resume(throwing: error) }
            case .failure(let error):
                let failure = BatchQueueError.inferenceFailed(String(describing: error))
                for entry in batch { entry.continuation.resume(throwing: failure) }
            }
        }
        self.condition.lock()
        self.finished = true
        self.condition.broadcast()
        self.condition.unlock()
    }

    /// Blocks until a batch is due and returns it with the number of images left waiting; nil once stopping and drained.
    private func nextBatch() -> ([Entry], Int)? {
        self.condition.lock()
        defer { self.condition.unlock() }
        while self.pending.count == self.pendingStart {
            if self.stopping { return nil }
            self.condition.wait()
        }
        // Wait for a full batch while more images are announced, at most until the oldest has waited maxDelay.
        let deadline = self.pending[self.pendingStart].enqueued + self.maxDelay
        while self.pending.count - self.pendingStart < self.maxBatchSize, !self.stopping, self.announced + self.reserved > 0 {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { break }
            let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
            _ = self.condition.wait(until: Date(timeIntervalSinceNow: seconds))
        }
        let end = min(self.pending.count, self.pendingStart + self.maxBatchSize)
        let batch = Array(self.pending[self.pendingStart..<end])
        self.pendingStart = end
        if self.pendingStart == self.pending.count {
            self.pending.removeAll(keepingCapacity: true)
            self.pendingStart = 0
        } else if self.pendingStart > 256 && self.pendingStart * 2 > self.pending.count {
            self.pending.removeFirst(self.pendingStart)
            self.pendingStart = 0
        }
        return (batch, self.pending.count - self.pendingStart)
    }
}
