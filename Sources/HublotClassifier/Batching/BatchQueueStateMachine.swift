/// One image's place in a batch buffer: which batch, which buffer, which row.
public struct BatchSlot: Hashable, Sendable {
    /// The batch's serial number (unique for the queue's life).
    public let batch: UInt64
    /// The buffer the batch fills (buffers are recycled between batches).
    public let buffer: Int
    /// The row of the image in the buffer.
    public let index: Int
}

/// Which lane of a ``BatchQueue`` an image goes through.
public enum BatchPriority: Sendable, Equatable {
    /// Classifications: batched together, always run first.
    case normal
    /// Work that must never delay a classification (explanations): each admission is a batch of its own,
    /// run only when no classification is admitted, from a bounded number of batches.
    case low
}

/// Why a ``BatchQueue`` refused or failed an image.
public enum BatchQueueError: Error, Sendable, Equatable {
    /// The queue holds `capacity` images already.
    case full(capacity: Int)
    /// More images at once than the queue can ever hold: a client error.
    case tooLarge(count: Int, capacity: Int)
    /// The queue is stopping and takes no new work.
    case stopped
    /// The batch this image was part of failed.
    case inferenceFailed(String)
    /// The waiting request was cancelled (its client went away).
    case cancelled
}

/// The batch queue's state, as a value: every event is a transition that returns what to do
/// (resume these waiters, run this batch, wake the runners), which the owner performs after
/// releasing its lock. No clock, no thread, no lock in here: time comes in as arguments.
///
/// `instances` runners (one thread per inference session of the model) take batches from the ONE queue:
/// up to `instances` batches run at once, each in its own buffer, while the next one fills. The capacity,
/// the admission and the order of the batches are the queue's, whatever runner runs them.
///
/// An image is *admitted* (gets a slot of the batch being filled, and counts against the capacity),
/// then *submitted* (its slot holds the preprocessed image, its waiter waits) or *withdrawn* (it failed
/// to decode, or its client went away). A batch is *closed* when it is full, when its oldest submitted
/// image has waited `maxDelay`, or when a runner is idle and every slot of it is settled; a closed batch
/// runs once all its slots are settled, without its withdrawn slots. Every admitted image is answered,
/// even after ``stop()``: the runners end only when nothing is admitted any more.
///
/// Low-priority images (``BatchPriority/low``) have a lane of their own: each admission of them is one
/// closed batch, at most `lowPriorityBatches` such batches at once (each with its own buffer, so they never
/// take a buffer or a place from classifications), and one runs only when no normal image is admitted at
/// all (none waiting, none running), and never beside another low-priority batch, so a classification waits
/// at most for the one low-priority batch already running (and not even that when another runner is free). While
/// classifications flow (a normal batch ended less than ``quietGap`` ago), low-priority batches also keep
/// to ``lowPriorityShare`` of the runner's time: after one that took `d`, the next waits `d × (1 − s) / s`;
/// once the classifications pause for ``quietGap``, they run back to back.
public struct BatchQueueStateMachine<Waiter, Buffer> {
    /// An image's slot.
    enum SlotState {
        /// Admitted, its image being prepared (`cancelled`: its client went away meanwhile; the row
        /// stays its own until the preparer is done with it).
        case preparing(cancelled: Bool)
        /// Prepared; its waiter waits.
        case submitted(Waiter, enqueued: ContinuousClock.Instant)
        /// Gone: failed to prepare, or cancelled.
        case withdrawn
    }

    /// A batch being filled, waiting or running.
    struct Batch {
        let id: UInt64
        let bufferIndex: Int
        let priority: BatchPriority
        var slots: [SlotState] = []
        var closed = false
        var running = false
        /// When it started running.
        var started: ContinuousClock.Instant?
        /// When the oldest submitted image arrived.
        var firstSubmitted: ContinuousClock.Instant?

        var settled: Bool {
            self.slots.allSatisfy { if case .preparing = $0 { false } else { true } }
        }
        var submittedRows: [Int] {
            self.slots.indices.filter { if case .submitted = self.slots[$0] { true } else { false } }
        }
    }

    /// A batch to run: its buffer, the rows to move so the submitted images are the first `count`
    /// rows (only when some were withdrawn), and the number of rows to run.
    public struct Run {
        /// The batch's serial number, for ``runFinished(_:now:failure:)``.
        public let batch: UInt64
        /// The buffer holding the images.
        public let buffer: Buffer
        /// Row moves `(from, to)`, in order, that pack the submitted images at the top.
        public let moves: [(from: Int, to: Int)]
        /// Rows to run.
        public let count: Int
    }

    /// What the runner does next.
    public enum RunnerStep {
        /// Run this batch.
        case run(Run)
        /// Wait for an event, or until the instant (when the open batch's delay ends).
        case wait(until: ContinuousClock.Instant?)
        /// Stopped and drained: end.
        case finished
    }

    /// A waiter to resume with its row of the batch output (`row`) or an error.
    public enum Completion {
        /// Its image was row `row` of a batch of `batchSize` that started at `started`.
        case row(Waiter, row: Int, enqueued: ContinuousClock.Instant, batchSize: Int)
        /// It failed.
        case failure(Waiter, BatchQueueError)
    }

    /// What an event asks the owner to do.
    public struct Actions {
        /// Waiters to resume.
        public var complete: [Completion] = []
        /// Whether the runner must be woken (a batch may be due, or it may end).
        public var wakeRunner = false
    }

    /// Most images per batch.
    public let maxBatchSize: Int
    /// Longest wait of the oldest submitted image for more to arrive.
    public let maxDelay: Duration
    /// Most images admitted at once.
    public let capacity: Int
    /// Most low-priority batches at once (0: the lane is closed).
    public let lowPriorityBatches: Int
    /// Runners, hence most batches running at once (the model's instances).
    public let instances: Int
    /// The share of the runner's time low-priority batches may take while classifications flow.
    public static var lowPriorityShare: Double { 0.1 }
    /// How long after a normal batch ended, with no normal image admitted, classifications count as paused.
    public static var quietGap: Duration { .milliseconds(10) }
    /// Most batch buffers classifications ever take: enough for `capacity` images in full batches, plus one per
    /// instance and one for batches closed early (the delay, an idle runner). Bounds the queue's memory; when
    /// every buffer is taken by partly filled batches, admission is refused as full.
    public var maxBuffers: Int { (self.capacity + self.maxBatchSize - 1) / self.maxBatchSize + self.instances + 1 }

    private var batches: [Batch] = []
    private var buffers: [Buffer] = []
    private var freeBuffers: [Int] = []
    private var nextBatchID: UInt64 = 0
    /// Normal images admitted and not answered yet.
    private var admitted = 0
    /// Low-priority images admitted and not answered yet.
    private var admittedLow = 0
    private var stopping = false
    /// Runners told to end (``RunnerStep/finished``).
    private var endedRunners = 0
    /// When the last normal batch ended.
    private var lastNormalEnd: ContinuousClock.Instant?
    /// Before this, a low-priority batch waits while classifications flow (its share of the runner).
    private var lowNotBefore: ContinuousClock.Instant?

    /// A queue state with the given limits (clamped to at least 1 image, zero delay and 1 instance).
    public init(maxBatchSize: Int, maxDelay: Duration, capacity: Int, lowPriorityBatches: Int = 0, instances: Int = 1) {
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxDelay = max(.zero, maxDelay)
        self.capacity = max(1, capacity)
        self.lowPriorityBatches = max(0, lowPriorityBatches)
        self.instances = max(1, instances)
    }

    /// Normal images admitted and not answered yet (what counts against the capacity).
    public var load: Int { self.admitted }

    /// Low-priority images admitted and not answered yet.
    public var lowPriorityLoad: Int { self.admittedLow }

    /// Images waiting for a batch that is not running.
    public var waiting: Int {
        self.batches.filter { !$0.running }.reduce(0) { $0 + $1.submittedRows.count }
    }

    /// Batches running now (at most ``instances``).
    public var running: Int { self.batches.count(where: \.running) }

    /// Whether every runner has been told to end (after ``stop()``, once drained).
    public var isFinished: Bool { self.endedRunners >= self.instances }

    /// Forgets every buffer once the queue has finished (stopped, every image answered), so that a
    /// retired model's queue holds no batch memory.
    public mutating func releaseBuffers() {
        guard self.isFinished else { return }
        self.buffers = []
        self.freeBuffers = []
    }

    /// The buffer at `index` (buffers never move once made).
    public func buffer(_ index: Int) -> Buffer { self.buffers[index] }

    // MARK: events

    /// Admits `count` images at once (all or none): each gets a slot of the batch being filled (new
    /// batches open as needed, their buffers from the free list or `makeBuffer`). Refuses at once when
    /// the queue is full, stopping, or `count` exceeds the capacity.
    ///
    /// A low-priority admission is one batch of its own (`count` at most `maxBatchSize`, else too large),
    /// refused as full when `lowPriorityBatches` are in the queue already.
    public mutating func admit(count: Int, priority: BatchPriority = .normal, makeBuffer: () -> Buffer) -> Result<[BatchSlot], BatchQueueError> {
        if self.stopping { return .failure(.stopped) }
        if priority == .low { return self.admitLow(count: count, makeBuffer: makeBuffer) }
        guard count <= self.capacity else { return .failure(.tooLarge(count: count, capacity: self.capacity)) }
        guard self.admitted + count <= self.capacity else { return .failure(.full(capacity: self.capacity)) }
        let openIndex = self.openBatchIndex
        let open = openIndex.map { self.maxBatchSize - self.batches[$0].slots.count } ?? 0
        let newBatches = (max(0, count - open) + self.maxBatchSize - 1) / self.maxBatchSize
        guard self.batches.count(where: { $0.priority == .normal }) + newBatches <= self.maxBuffers else {
            return .failure(.full(capacity: self.capacity))
        }
        var slots: [BatchSlot] = []
        slots.reserveCapacity(count)
        var current = openIndex
        for _ in 0..<count {
            let b: Int
            if let open = current {
                b = open
            } else {
                self.batches.append(Batch(id: self.nextBatchID, bufferIndex: self.takeBuffer(makeBuffer), priority: .normal))
                self.nextBatchID += 1
                b = self.batches.count - 1
            }
            slots.append(BatchSlot(batch: self.batches[b].id, buffer: self.batches[b].bufferIndex, index: self.batches[b].slots.count))
            self.batches[b].slots.append(.preparing(cancelled: false))
            if self.batches[b].slots.count == self.maxBatchSize {
                self.batches[b].closed = true
                current = nil
            } else {
                current = b
            }
        }
        self.admitted += count
        return .success(slots)
    }

    /// A low-priority admission: one closed batch of `count` slots.
    private mutating func admitLow(count: Int, makeBuffer: () -> Buffer) -> Result<[BatchSlot], BatchQueueError> {
        guard self.lowPriorityBatches > 0, count <= self.maxBatchSize else {
            return .failure(.tooLarge(count: count, capacity: self.lowPriorityBatches > 0 ? self.maxBatchSize : 0))
        }
        guard self.batches.count(where: { $0.priority == .low }) < self.lowPriorityBatches else {
            return .failure(.full(capacity: self.lowPriorityBatches * self.maxBatchSize))
        }
        var batch = Batch(id: self.nextBatchID, bufferIndex: self.takeBuffer(makeBuffer), priority: .low)
        self.nextBatchID += 1
        batch.slots = Array(repeating: .preparing(cancelled: false), count: count)
        batch.closed = true
        self.batches.append(batch)
        self.admittedLow += count
        return .success((0..<count).map { BatchSlot(batch: batch.id, buffer: batch.bufferIndex, index: $0) })
    }

    /// The image of `slot` is ready; `waiter` waits for its row. A slot cancelled before (its client
    /// went away while it was prepared) fails the waiter at once.
    public mutating func submit(_ slot: BatchSlot, waiter: Waiter, now: ContinuousClock.Instant) -> Actions {
        guard let b = self.batchIndex(slot), case .preparing(let cancelled) = self.batches[b].slots[slot.index] else {
            return Actions(complete: [.failure(waiter, .cancelled)])
        }
        if cancelled {
            var actions = self.withdraw(slot)
            actions.complete.append(.failure(waiter, .cancelled))
            return actions
        }
        self.batches[b].slots[slot.index] = .submitted(waiter, enqueued: now)
        if self.batches[b].firstSubmitted == nil { self.batches[b].firstSubmitted = now }
        return Actions(wakeRunner: true)
    }

    /// The image of `slot` will not come (it failed to decode, or its client went away while it was
    /// prepared): it leaves the queue and its batch does not wait for it.
    public mutating func withdraw(_ slot: BatchSlot) -> Actions {
        guard let b = self.batchIndex(slot), case .preparing = self.batches[b].slots[slot.index] else { return Actions() }
        self.batches[b].slots[slot.index] = .withdrawn
        self.release(1, of: self.batches[b].priority)
        self.releaseIfEmpty(b)
        return Actions(wakeRunner: true)
    }

    /// The client of `slot` went away. Before its batch runs, the image leaves the queue (no inference
    /// is spent on it) and its waiter fails with ``BatchQueueError/cancelled``; while it is being
    /// prepared, the slot is marked so that its submission fails at once (its row stays reserved until
    /// then: the preparer may still be writing it); once running, nothing changes.
    public mutating func cancel(_ slot: BatchSlot) -> Actions {
        guard let b = self.batchIndex(slot), !self.batches[b].running else { return Actions() }
        switch self.batches[b].slots[slot.index] {
        case .withdrawn:
            return Actions()
        case .preparing:
            self.batches[b].slots[slot.index] = .preparing(cancelled: true)
            return Actions()
        case .submitted(let waiter, _):
            self.batches[b].slots[slot.index] = .withdrawn
            self.release(1, of: self.batches[b].priority)
            self.releaseIfEmpty(b)
            return Actions(complete: [.failure(waiter, .cancelled)], wakeRunner: true)
        }
    }

    /// Refuses new images from now on; what is admitted is still answered, then the runners end.
    public mutating func stop() -> Actions {
        self.stopping = true
        return Actions(wakeRunner: true)
    }

    /// What a free runner does next at `now`: run the first due batch, wait, or end (each runner is told
    /// to end once, when stopped and drained). While ``instances`` batches run, it waits. The first normal
    /// batch not running comes first; the first low-priority batch only when no normal batch is in the queue
    /// and no other batch runs.
    public mutating func nextStep(now: ContinuousClock.Instant) -> RunnerStep {
        if self.batches.isEmpty && self.stopping {
            self.endedRunners += 1
            return .finished
        }
        if self.running >= self.instances { return .wait(until: nil) }
        let normal = self.batches.firstIndex(where: { $0.priority == .normal && !$0.running })
        let low = self.batches.contains(where: { $0.priority == .normal || $0.running }) ? nil : self.batches.indices.first
        guard let next = normal ?? low else { return .wait(until: nil) }
        if !self.batches[next].closed {
            // The open batch: run it now when nothing more is coming for it, else wait up to its delay.
            let first = self.batches[next]
            let deadline = first.firstSubmitted.map { $0 + self.maxDelay }
            if first.settled || self.stopping || (deadline.map { now >= $0 } ?? false) {
                self.batches[next].closed = true
            } else {
                return .wait(until: deadline)
            }
        }
        guard self.batches[next].settled else { return .wait(until: nil) }
        if self.batches[next].priority == .low, !self.stopping, let until = self.lowPriorityWait(now: now) {
            return .wait(until: until)
        }
        let rows = self.batches[next].submittedRows
        self.batches[next].running = true
        self.batches[next].started = now
        let moves = rows.enumerated().compactMap { to, from in from == to ? nil : (from: from, to: to) }
        return .run(Run(batch: self.batches[next].id, buffer: self.buffers[self.batches[next].bufferIndex], moves: moves, count: rows.count))
    }

    /// The running batch `id` finished at `now` (`failure` when ONNX Runtime failed): every waiter of it
    /// gets its row or the error, and its buffer is free again.
    public mutating func runFinished(_ id: UInt64, now: ContinuousClock.Instant, failure: BatchQueueError? = nil) -> Actions {
        guard let b = self.batches.firstIndex(where: { $0.id == id && $0.running }) else { return Actions() }
        let batch = self.batches.remove(at: b)
        switch batch.priority {
        case .normal:
            self.lastNormalEnd = now
        case .low:
            let took = batch.started.map { now - $0 } ?? .zero
            self.lowNotBefore = now + took * ((1 - Self.lowPriorityShare) / Self.lowPriorityShare)
        }
        self.freeBuffers.append(batch.bufferIndex)
        var actions = Actions(wakeRunner: true)
        var row = 0
        let size = batch.submittedRows.count
        for case .submitted(let waiter, let enqueued) in batch.slots {
            if let failure {
                actions.complete.append(.failure(waiter, failure))
            } else {
                actions.complete.append(.row(waiter, row: row, enqueued: enqueued, batchSize: size))
            }
            row += 1
        }
        self.release(size, of: batch.priority)
        return actions
    }

    // MARK: helpers

    /// Until when a due low-priority batch must wait at `now`: nil when classifications have paused for
    /// ``quietGap`` or the lane's share allows it now; else the earlier of the two instants.
    private func lowPriorityWait(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard let notBefore = self.lowNotBefore, now < notBefore else { return nil }
        guard let lastNormalEnd = self.lastNormalEnd, now < lastNormalEnd + Self.quietGap else { return nil }
        return min(notBefore, lastNormalEnd + Self.quietGap)
    }

    /// The normal batch being filled, if any (the last normal batch, when still open).
    private var openBatchIndex: Int? {
        guard let last = self.batches.lastIndex(where: { $0.priority == .normal }), !self.batches[last].closed else { return nil }
        return last
    }

    /// A free buffer's index, made when none is free.
    private mutating func takeBuffer(_ makeBuffer: () -> Buffer) -> Int {
        if let free = self.freeBuffers.popLast() { return free }
        self.buffers.append(makeBuffer())
        return self.buffers.count - 1
    }

    /// `count` images of the `priority` lane are answered or gone.
    private mutating func release(_ count: Int, of priority: BatchPriority) {
        switch priority {
        case .normal: self.admitted -= count
        case .low: self.admittedLow -= count
        }
    }

    private func batchIndex(_ slot: BatchSlot) -> Int? {
        guard let b = self.batches.firstIndex(where: { $0.id == slot.batch }), self.batches[b].slots.indices.contains(slot.index) else {
            return nil
        }
        return b
    }

    /// Drops a batch left with no image to run once all its slots are settled: no inference for it.
    private mutating func releaseIfEmpty(_ b: Int) {
        let batch = self.batches[b]
        guard batch.settled, batch.submittedRows.isEmpty, !batch.running else { return }
        self.batches.remove(at: b)
        self.freeBuffers.append(batch.bufferIndex)
    }
}
