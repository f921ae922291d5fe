import Foundation
import HublotClassifier
import Synchronization
import Testing

/// The batcher on its own, with a fake model that records the batches it ran.
@Suite("BatchQueue", .timeLimit(.minutes(1)))
struct BatchQueueTests {
    /// Records batch sizes; each output row is the input plus 1, so scattering can be checked.
    final class Recorder: Sendable {
        let sizes = Mutex<[Int]>([])
        let delay: Duration
        init(delay: Duration = .zero) { self.delay = delay }

        func run(_ inputs: [[Float]]) throws -> [[Float]] {
            self.sizes.withLock { $0.append(inputs.count) }
            if self.delay > .zero { Thread.sleep(forTimeInterval: Double(self.delay.components.seconds) + Double(self.delay.components.attoseconds) / 1e18) }
            return inputs.map { $0.map { $0 + 1 } }
        }
    }

    @Test("announced concurrent images are gathered into one batch and each gets its own row back")
    func gathersAndScatters() async throws {
        let recorder = Recorder()
        let queue = BatchQueue(name: "t", maxBatchSize: 8, maxDelay: .seconds(5), capacity: 16) { try recorder.run($0) }
        defer { queue.stop() }
        for _ in 0..<8 { try queue.announce() }
        let results = try await withThrowingTaskGroup(of: (Int, BatchResult).self) { group in
            for i in 0..<8 {
                group.addTask { (i, try await queue.submit([Float(i)], announced: true)) }
            }
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

    @Test("a lone image with nothing announced runs at once, without waiting for the batching delay")
    func loneImageDoesNotWait() async throws {
        let recorder = Recorder()
        let queue = BatchQueue(name: "t", maxBatchSize: 8, maxDelay: .seconds(30), capacity: 4) { try recorder.run($0) }
        defer { queue.stop() }
        let result = try await queue.submit([1])
        #expect(result.output == [2])
        #expect(result.batchSize == 1)
        #expect(result.queueDuration < .seconds(5))
    }

    @Test("an announced image that never comes only delays the batch up to maxDelay; withdraw ends the wait")
    func withdraw() async throws {
        let recorder = Recorder()
        let queue = BatchQueue(name: "t", maxBatchSize: 8, maxDelay: .milliseconds(50), capacity: 4) { try recorder.run($0) }
        defer { queue.stop() }
        try queue.announce()
        try queue.announce()
        async let first = queue.submit([1], announced: true)
        try await Task.sleep(for: .milliseconds(10))
        queue.withdraw()
        let result = try await first
        #expect(result.output == [2])
    }

    @Test("a full queue refuses at once; the refusal does not wait for the running batch")
    func fullQueueRefuses() async throws {
        let recorder = Recorder(delay: .milliseconds(300))
        let queue = BatchQueue(name: "t", maxBatchSize: 1, maxDelay: .zero, capacity: 2) { try recorder.run($0) }
        defer { queue.stop() }
        try queue.announce()
        try queue.announce()
        let started = ContinuousClock.now
        #expect(throws: BatchQueueError.full(capacity: 2)) { try queue.announce() }
        await #expect(throws: BatchQueueError.full(capacity: 2)) { try await queue.submit([0]) }
        await #expect(throws: BatchQueueError.full(capacity: 2)) { try await queue.submit([[0], [1]]) }
        #expect(ContinuousClock.now - started < .milliseconds(250))
        queue.withdraw()
        queue.withdraw()
    }

    @Test("a failing model fails every image of its batch, and the queue keeps serving")
    func failureIsScattered() async throws {
        struct Boom: Error {}
        let calls = Mutex(0)
        let queue = BatchQueue(name: "t", maxBatchSize: 4, maxDelay: .zero, capacity: 8) { inputs in
            let call = calls.withLock { $0 += 1; return $0 }
            if call == 1 { throw Boom() }
            return inputs
        }
        defer { queue.stop() }
        await #expect(throws: BatchQueueError.self) { try await queue.submit([[1], [2]]) }
        #expect(try await queue.submit([3]).output == [3])
    }

    @Test("stop() drains what is queued, then refuses new work")
    func stopDrains() async throws {
        let recorder = Recorder(delay: .milliseconds(50))
        let queue = BatchQueue(name: "t", maxBatchSize: 1, maxDelay: .zero, capacity: 8) { try recorder.run($0) }
        async let a = queue.submit([1])
        async let b = queue.submit([2])
        try await Task.sleep(for: .milliseconds(10))
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread { queue.stop(); continuation.resume() }.start()
        }
        #expect(try await a.output == [2])
        #expect(try await b.output == [3])
        await #expect(throws: BatchQueueError.stopped) { try await queue.submit([0]) }
        #expect(throws: BatchQueueError.stopped) { try queue.announce() }
    }
}
