import Foundation
import HublotClassifier
import Synchronization
import Testing

/// The batcher with its thread, around a fake model (one float per image; output = input + 1).
/// Synchronised on events only: the contract in every interleaving is in BatchQueueStateMachineTests.
@Suite("BatchQueue", .timeLimit(.minutes(1)))
struct BatchQueueTests {
    /// Records the batch sizes it ran.
    final class Recorder: Sendable {
        let sizes = Mutex<[Int]>([])

        func run(_ input: UnsafeBufferPointer<Float>, _ count: Int) throws -> [[Float]] {
            self.sizes.withLock { $0.append(count) }
            return input.prefix(count).map { [$0 + 1] }
        }
    }

    static func queue(_ recorder: Recorder, maxBatchSize: Int = 8, maxDelay: Duration = .seconds(3600), capacity: Int = 16) -> BatchQueue {
        BatchQueue(name: "t", maxBatchSize: maxBatchSize, maxDelay: maxDelay, capacity: capacity, valuesPerImage: 1) {
            try recorder.run($0, $1)
        }
    }

    /// Writes `value` into the row of `slot`.
    static func prepare(_ queue: BatchQueue, _ slot: BatchSlot, _ value: Float) {
        queue.buffer(of: slot).row(slot.index)[0] = value
    }

    @Test("images admitted together are prepared in place, run as one batch, and each gets its own row back")
    func gathersAndScatters() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder)
        defer { queue.stop() }
        let slots = try queue.admit(count: 8)
        for (i, slot) in slots.enumerated() { Self.prepare(queue, slot, Float(i)) }
        let results = try await withThrowingTaskGroup(of: (Int, BatchResult).self) { group in
            for (i, slot) in slots.enumerated() { group.addTask { (i, try await queue.result(of: slot)) } }
            var all: [(Int, BatchResult)] = []
            for try await result in group { all.append(result) }
            return all
        }
        for (i, result) in results {
            #expect(result.output == [Float(i) + 1])
            #expect(result.batchSize == 8)
        }
        #expect(recorder.sizes.withLock { $0 } == [8])
    }

    @Test("a lone image runs at once (the delay is an hour: waiting for it would hit the time limit)")
    func loneImageDoesNotWait() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder)
        defer { queue.stop() }
        let slot = try queue.admit()[0]
        Self.prepare(queue, slot, 1)
        let result = try await queue.result(of: slot)
        #expect(result.output == [2])
        #expect(result.batchSize == 1)
    }

    @Test("withdrawing an image that failed to decode lets its batch run without it")
    func withdraw() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder)
        defer { queue.stop() }
        let slots = try queue.admit(count: 3)
        Self.prepare(queue, slots[0], 10)
        Self.prepare(queue, slots[2], 30)
        queue.withdraw(slots[1])
        async let first = queue.result(of: slots[0])
        async let third = queue.result(of: slots[2])
        #expect(try await first.output == [11])
        #expect(try await third.output == [31])
        #expect(recorder.sizes.withLock { $0 } == [2])
    }

    @Test("a full queue refuses at once; a batch larger than the capacity is too large")
    func fullQueueRefuses() throws {
        let queue = Self.queue(Recorder(), capacity: 2)
        defer { queue.stop() }
        let slots = try queue.admit(count: 2)
        #expect(throws: BatchQueueError.full(capacity: 2)) { try queue.admit() }
        #expect(throws: BatchQueueError.tooLarge(count: 3, capacity: 2)) { try queue.admit(count: 3) }
        for slot in slots { queue.withdraw(slot) }
        #expect(queue.depth == 0)
    }

    @Test("a failing model fails every image of its batch, and the queue keeps serving")
    func failureIsScattered() async throws {
        struct Boom: Error {}
        let calls = Mutex(0)
        let queue = BatchQueue(name: "t", maxBatchSize: 4, maxDelay: .zero, capacity: 8, valuesPerImage: 1) { input, count in
            let call = calls.withLock { $0 += 1; return $0 }
            if call == 1 { throw Boom() }
            return input.prefix(count).map { [$0] }
        }
        defer { queue.stop() }
        let slot = try queue.admit()[0]
        await #expect(throws: BatchQueueError.self) { try await queue.result(of: slot) }
        let next = try queue.admit()[0]
        Self.prepare(queue, next, 3)
        #expect(try await queue.result(of: next).output == [3])
    }

    @Test("a waiter cancelled before its batch runs leaves the queue without costing an inference")
    func cancelledWaiter() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder)
        defer { queue.stop() }
        let slots = try queue.admit(count: 2)  // slot 1 keeps the batch waiting
        let waiter = Task { try await queue.result(of: slots[0]) }
        waiter.cancel()
        await #expect(throws: BatchQueueError.cancelled) { try await waiter.value }
        queue.withdraw(slots[1])
        #expect(queue.depth == 0)
        let next = try queue.admit()[0]
        Self.prepare(queue, next, 5)
        #expect(try await queue.result(of: next).output == [6])
        #expect(recorder.sizes.withLock { $0 } == [1])
    }

    /// Lets `parties` threads through only once all of them have arrived (a one-shot barrier); gives up
    /// after `patience` (a failed test must end rather than hang), returning false.
    final class Barrier: @unchecked Sendable {
        private let condition = NSCondition()
        private var arrived = 0
        private let parties: Int

        init(parties: Int) { self.parties = parties }

        func arriveAndWait(patience: TimeInterval = 30) -> Bool {
            self.condition.lock()
            defer { self.condition.unlock() }
            self.arrived += 1
            self.condition.broadcast()
            let giveUp = Date(timeIntervalSinceNow: patience)
            while self.arrived < self.parties {
                if !self.condition.wait(until: giveUp) { return self.arrived >= self.parties }
            }
            return true
        }
    }

    @Test("with two instances, two batches run at once: each runner holds its batch until the other one's has started")
    func twoInstancesRunConcurrently() async throws {
        struct NotConcurrent: Error {}
        let barrier = Barrier(parties: 2)
        let ran = Mutex<[Int]>([])
        let runners: [BatchQueue.Runner] = (0..<2).map { instance in
            { input, count in
                ran.withLock { $0.append(instance) }
                // With one batch at a time, the first runner would wait here for a second run that never starts.
                guard barrier.arriveAndWait() else { throw NotConcurrent() }
                return input.prefix(count).map { [$0 + 1] }
            }
        }
        let queue = BatchQueue(name: "t", maxBatchSize: 1, maxDelay: .zero, capacity: 4, valuesPerImage: 1, runners: runners)
        defer { queue.stop() }
        #expect(queue.instances == 2)
        let slots = try queue.admit(count: 2)
        #expect(slots[0].batch != slots[1].batch)
        for (i, slot) in slots.enumerated() { Self.prepare(queue, slot, Float(i)) }
        async let first = queue.result(of: slots[0])
        async let second = queue.result(of: slots[1])
        #expect(try await first.output == [1])
        #expect(try await second.output == [2])
        #expect(Set(ran.withLock { $0 }) == [0, 1])
    }

    @Test("stop() with two instances answers every admitted image, then returns once both threads have ended")
    func stopWithInstances() async throws {
        let recorder = Recorder()
        let queue = BatchQueue(
            name: "t", maxBatchSize: 1, maxDelay: .zero, capacity: 4, valuesPerImage: 1,
            runners: [{ try recorder.run($0, $1) }, { try recorder.run($0, $1) }])
        let slots = try queue.admit(count: 3)
        for (i, slot) in slots.enumerated() { Self.prepare(queue, slot, Float(i)) }
        let stopped = Mutex(false)
        let stopper = Thread {
            queue.stop()
            stopped.withLock { $0 = true }
        }
        stopper.start()
        while (try? queue.admit(count: 0)) != nil { await Task.yield() }
        let outputs = try await withThrowingTaskGroup(of: [Float].self) { group in
            for slot in slots { group.addTask { try await queue.result(of: slot).output } }
            var all: [[Float]] = []
            for try await output in group { all.append(output) }
            return all
        }
        #expect(Set(outputs) == [[1], [2], [3]])
        while !stopped.withLock({ $0 }) { await Task.yield() }
        #expect(recorder.sizes.withLock { $0 } == [1, 1, 1])
    }

    @Test("an image admitted before stop() and submitted after it is answered; stop() returns once it is")
    func admittedBeforeStopIsAnswered() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder)
        let slot = try queue.admit()[0]
        let stopped = Mutex(false)
        let stopper = Thread {
            queue.stop()
            stopped.withLock { $0 = true }
        }
        stopper.start()
        // Wait for the event "the queue refuses new work" (stop() has begun).
        while (try? queue.admit(count: 0)) != nil { await Task.yield() }
        #expect(!stopped.withLock { $0 })
        Self.prepare(queue, slot, 7)
        #expect(try await queue.result(of: slot).output == [8])
        #expect(throws: BatchQueueError.stopped) { try queue.admit() }
        while !stopped.withLock({ $0 }) { await Task.yield() }  // stop() returns: the thread has ended
    }
}
