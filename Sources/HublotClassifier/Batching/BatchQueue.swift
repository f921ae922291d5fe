import Foundation
import HublotAPI

/// The outcome of one image's trip through a ``BatchQueue``.
public struct BatchResult: Sendable {
    /// The model output for this image (probabilities).
    public let output: [Float]
    /// Time between its submission and the start of its batch.
    public let queueDuration: Duration
    /// Duration of the ONNX Runtime call that computed it (shared by the whole batch).
    public let inferenceDuration: Duration
    /// Number of images in that batch.
    public let batchSize: Int
}

/// The float32 tensor of one batch, `[maxBatchSize, H, W, 3]`, allocated once and reused: each admitted
/// image is preprocessed straight into its row, and ONNX Runtime reads the rows in place.
public final class BatchBuffer: @unchecked Sendable {
    /// The whole tensor. Rows are written by their own image's thread only, between admission and
    /// submission; the batching thread reads them only once every slot of the batch is settled.
    public let values: UnsafeMutableBufferPointer<Float>
    /// Floats per image.
    public let valuesPerImage: Int

    /// A zero-filled buffer of `rows` images of `valuesPerImage` floats.
    public init(rows: Int, valuesPerImage: Int) {
        self.valuesPerImage = valuesPerImage
        self.values = .allocate(capacity: rows * valuesPerImage)
        self.values.initialize(repeating: 0)
    }

    /// Row `index`, to prepare an image into.
    public func row(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(rebasing: self.values[(index * self.valuesPerImage)..<((index + 1) * self.valuesPerImage)])
    }

    /// The first `count` rows, for ONNX Runtime.
    public func rows(_ count: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: self.values[0..<(count * self.valuesPerImage)])
    }

    /// Copies row `from` over row `to` (only when an image of the batch was withdrawn).
    func move(from: Int, to: Int) {
        _ = self.row(to).update(fromContentsOf: self.row(from))
    }

    deinit { self.values.deallocate() }
}

/// Dynamic batching for one model around ``BatchQueueStateMachine``: callers ``admit(count:)`` images
/// (each gets a row of the batch being filled), prepare each straight into its row, then wait for
/// their output with ``result(of:)`` (or ``withdraw(_:)`` one that failed to decode). One dedicated
/// thread per runner (per instance of the model) runs batches (one call of its runner each) once all their
/// images are settled: with two runners, one batch fills while the other runner's batch runs.
///
/// Admission never waits: a full queue refuses at once. ``stop()`` refuses new work, lets every
/// admitted image be answered, and returns when every thread has ended. The state changes under a lock;
/// continuations are resumed and the threads are woken after releasing it.
public final class BatchQueue: @unchecked Sendable {
    /// Runs one batch: the first `count` rows of the buffer in, one output row per image, same order.
    /// Called on the runner's own thread, one batch at a time.
    public typealias Runner = @Sendable (_ input: UnsafeBufferPointer<Float>, _ count: Int) throws -> [[Float]]
    /// Observes each batch run (its size, its inference time, images still waiting), for metrics.
    public typealias BatchObserver = @Sendable (_ size: Int, _ inference: Duration, _ waiting: Int) -> Void

    typealias Waiter = CheckedContinuation<BatchResult, any Error>
    typealias Machine = BatchQueueStateMachine<Waiter, BatchBuffer>

    /// Guards `machine`; the batching threads wait on it.
    private let condition = NSCondition()
    private var machine: Machine
    /// One per thread. Guarded by `condition`; dropped by ``stop()`` so that a retired model is released with it.
    private var runners: [Runner]
    private let observer: BatchObserver?
    private let valuesPerImage: Int

    /// Largest number of images per call of the runner.
    public let maxBatchSize: Int
    /// Most images admitted at once.
    public let capacity: Int
    /// Runners, hence batches that may run at once (the model's instances).
    public let instances: Int

    /// Creates the queue and starts one thread per runner (at least one), named `hublot-batch-<name>` (then
    /// `-1`, `-2`… for the others). `lowPriorityBatches` bounds the low-priority lane (see
    /// ``BatchQueueStateMachine``); 0 closes it.
    public init(
        name: String, maxBatchSize: Int, maxDelay: Duration, capacity: Int, lowPriorityBatches: Int = 0, valuesPerImage: Int,
        observer: BatchObserver? = nil, runners: [Runner]
    ) {
        precondition(!runners.isEmpty, "a batch queue needs a runner")
        self.machine = Machine(
            maxBatchSize: maxBatchSize, maxDelay: maxDelay, capacity: capacity, lowPriorityBatches: lowPriorityBatches, instances: runners.count)
        self.maxBatchSize = self.machine.maxBatchSize
        self.capacity = self.machine.capacity
        self.instances = self.machine.instances
        self.valuesPerImage = valuesPerImage
        self.runners = runners
        self.observer = observer
        for instance in runners.indices {
            let thread = Thread { [self] in self.loop(instance: instance) }
            thread.name = instance == 0 ? "hublot-batch-\(name)" : "hublot-batch-\(name)-\(instance)"
            thread.start()
        }
    }

    /// A queue with one runner (one instance of the model).
    public convenience init(
        name: String, maxBatchSize: Int, maxDelay: Duration, capacity: Int, lowPriorityBatches: Int = 0, valuesPerImage: Int,
        observer: BatchObserver? = nil, runner: @escaping Runner
    ) {
        self.init(
            name: name, maxBatchSize: maxBatchSize, maxDelay: maxDelay, capacity: capacity, lowPriorityBatches: lowPriorityBatches,
            valuesPerImage: valuesPerImage, observer: observer, runners: [runner])
    }


    /// Images admitted and not answered yet.
    public var depth: Int { self.locked { $0.load } }

    /// Low-priority images admitted and not answered yet.
    public var lowPriorityDepth: Int { self.locked { $0.lowPriorityLoad } }

    /// Admits `count` images at once (all or none) and gives each its row: prepare the image into
    /// `buffer(of:)`'s `row(slot.index)`, then call ``result(of:)`` or ``withdraw(_:)`` exactly once.
    /// Throws ``BatchQueueError/full(capacity:)`` at once when there is no room,
    /// ``BatchQueueError/tooLarge(count:capacity:)`` when there never will be, ``BatchQueueError/stopped`` after ``stop()``.
    /// Low-priority images (`priority: .low`) are one batch of their own, run when no classification waits.
    public func admit(count: Int = 1, priority: BatchPriority = .normal) throws(BatchQueueError) -> [BatchSlot] {
        let rows = self.maxBatchSize, perImage = self.valuesPerImage
        let result = self.locked { $0.admit(count: count, priority: priority) { BatchBuffer(rows: rows, valuesPerImage: perImage) } }
        return try result.get()
    }

    /// The buffer `slot` lives in.
    public func buffer(of slot: BatchSlot) -> BatchBuffer {
        self.locked { $0.buffer(slot.buffer) }
    }

    /// Submits the image prepared in `slot` and waits for its output. When the calling task is
    /// cancelled before its batch runs, the image leaves the queue (costing no inference) and this
    /// throws ``BatchQueueError/cancelled``.
    public func result(of slot: BatchSlot) async throws -> BatchResult {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                let actions = self.locked { $0.submit(slot, waiter: continuation, now: .now) }
                self.perform(actions)
            }
        } onCancel: {
            self.perform(self.locked { $0.cancel(slot) })
        }
    }

    /// Withdraws an admitted image that will not be submitted (it failed to decode).
    public func withdraw(_ slot: BatchSlot) {
        self.perform(self.locked { $0.withdraw(slot) })
    }

    /// Refuses new work, waits (blocking) until every admitted image has been answered and every thread has
    /// ended, then lets go of the runners (the model's sessions) and the batch buffers.
    public func stop() {
        self.perform(self.locked { $0.stop() })
        self.condition.lock()
        while !self.machine.isFinished { self.condition.wait() }
        self.runners = []
        self.machine.releaseBuffers()
        self.condition.unlock()
    }

    private func locked<R>(_ body: (inout Machine) -> R) -> R {
        self.condition.lock()
        defer { self.condition.unlock() }
        return body(&self.machine)
    }

    /// Performs a transition's actions; never called with the lock held.
    private func perform(_ actions: Machine.Actions, output: [[Float]] = [], started: ContinuousClock.Instant = .now, inference: Duration = .zero) {
        if actions.wakeRunner { self.condition.broadcast() }
        for completion in actions.complete {
            switch completion {
            case .failure(let waiter, let error):
                waiter.resume(throwing: error)
            case .row(let waiter, let row, let enqueued, let batchSize):
                waiter.resume(
                    returning: BatchResult(
                        output: output[row], queueDuration: enqueued < started ? started - enqueued : .zero,
                        inferenceDuration: inference, batchSize: batchSize))
            }
        }
    }

    /// The batching thread of runner `instance`: wait until a batch is due and this runner is free, run it,
    /// hand each waiter its row.
    private func loop(instance: Int) {
        while true {
            self.condition.lock()
            var step = self.machine.nextStep(now: .now)
            while case .wait(let until) = step {
                if let until {
                    let remaining = ContinuousClock.now.duration(to: until)
                    _ = self.condition.wait(until: Date(timeIntervalSinceNow: max(0, remaining.milliseconds / 1000)))
                } else {
                    self.condition.wait()
                }
                step = self.machine.nextStep(now: .now)
            }
            let waiting = self.machine.waiting
            // Taken only for a batch to run: the last pass (finished) must not hold the model.
            let runner: Runner? = if case .run = step { self.runners[instance] } else { nil }
            self.condition.unlock()
            guard case .run(let run) = step, let runner else {
                self.condition.broadcast()  // wakes stop() and the other threads
                return
            }
            for move in run.moves { run.buffer.move(from: move.from, to: move.to) }
            let started = ContinuousClock.now
            let outputs = Result { try runner(run.buffer.rows(run.count), run.count) }
            let inference = ContinuousClock.now - started
            self.observer?(run.count, inference, waiting)
            switch outputs {
            case .success(let rows) where rows.count == run.count:
                self.perform(self.locked { $0.runFinished(run.batch, now: .now) }, output: rows, started: started, inference: inference)
            case .success(let rows):
                let error = BatchQueueError.inferenceFailed("the model returned \(rows.count) rows for \(run.count) inputs")
                self.perform(self.locked { $0.runFinished(run.batch, now: .now, failure: error) })
            case .failure(let error):
                self.perform(self.locked { $0.runFinished(run.batch, now: .now, failure: .inferenceFailed(String(describing: error))) })
            }
        }
    }
}
