import HublotClassifier
import Testing

/// The batch queue's contract, on its state machine alone: no thread, no clock, no sleep.
@Suite("BatchQueueStateMachine")
struct BatchQueueStateMachineTests {
    typealias Machine = BatchQueueStateMachine<String, Int>

    /// A machine and a counter of buffers made.
    struct Harness {
        var machine: Machine
        var buffersMade = 0
        let t0 = ContinuousClock.now

        init(maxBatchSize: Int = 4, maxDelay: Duration = .milliseconds(2), capacity: Int = 8, lowPriorityBatches: Int = 0, instances: Int = 1) {
            self.machine = Machine(
                maxBatchSize: maxBatchSize, maxDelay: maxDelay, capacity: capacity, lowPriorityBatches: lowPriorityBatches, instances: instances)
        }

        mutating func admit(_ count: Int = 1, priority: BatchPriority = .normal) throws -> [BatchSlot] {
            var made = self.buffersMade
            let result = self.machine.admit(count: count, priority: priority) { made += 1; return made - 1 }
            self.buffersMade = made
            return try result.get()
        }

        func at(_ ms: Int) -> ContinuousClock.Instant { self.t0 + .milliseconds(ms) }
    }

    /// The waiters completed with a row, by name, with their row.
    static func rows(_ actions: Machine.Actions) -> [String: Int] {
        var rows: [String: Int] = [:]
        for case .row(let waiter, let row, _, _) in actions.complete { rows[waiter] = row }
        return rows
    }

    /// The waiters completed with an error.
    static func failures(_ actions: Machine.Actions) -> [String: BatchQueueError] {
        var failures: [String: BatchQueueError] = [:]
        for case .failure(let waiter, let error) in actions.complete { failures[waiter] = error }
        return failures
    }

    static func run(_ step: Machine.RunnerStep) -> Machine.Run? {
        if case .run(let run) = step { run } else { nil }
    }

    @Test("a lone image runs at once: nothing else is being prepared, so no batching delay")
    func loneImage() throws {
        var h = Harness()
        let slot = try h.admit()[0]
        #expect(h.machine.nextStep(now: h.at(0)).isWait)
        #expect(h.machine.submit(slot, waiter: "a", now: h.at(0)).wakeRunner)
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(run.count == 1)
        #expect(run.moves.isEmpty)
        let done = h.machine.runFinished(run.batch, now: h.at(0))
        #expect(Self.rows(done) == ["a": 0])
        #expect(h.machine.load == 0)
    }

    @Test("images admitted together share one batch, each gets its own row; a batch waits for its images being prepared up to the delay")
    func gathersAndScatters() throws {
        var h = Harness()
        let slots = try h.admit(3)
        #expect(Set(slots.map(\.batch)).count == 1)
        #expect(slots.map(\.index) == [0, 1, 2])
        _ = h.machine.submit(slots[1], waiter: "b", now: h.at(0))
        // Two are still being prepared: wait, at most until the delay of the first submitted one.
        guard case .wait(let until) = h.machine.nextStep(now: h.at(1)) else { Issue.record("should wait"); return }
        #expect(until == h.at(2))
        _ = h.machine.submit(slots[0], waiter: "a", now: h.at(1))
        _ = h.machine.submit(slots[2], waiter: "c", now: h.at(1))
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(1))))
        #expect(run.count == 3)
        #expect(Self.rows(h.machine.runFinished(run.batch, now: h.at(0))) == ["a": 0, "b": 1, "c": 2])
        #expect(h.buffersMade == 1)
    }

    @Test("a full batch closes: the next image opens a new batch, and buffers are recycled")
    func fullBatchCloses() throws {
        var h = Harness(maxBatchSize: 2)
        let first = try h.admit(2)
        let next = try h.admit()[0]
        #expect(next.batch != first[0].batch)
        #expect(next.buffer != first[0].buffer)
        for (slot, name) in zip(first, ["a", "b"]) { _ = h.machine.submit(slot, waiter: name, now: h.at(0)) }
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(run.count == 2)
        _ = h.machine.runFinished(run.batch, now: h.at(0))
        _ = h.machine.submit(next, waiter: "c", now: h.at(1))
        let second = try #require(Self.run(h.machine.nextStep(now: h.at(1))))
        #expect(Self.rows(h.machine.runFinished(second.batch, now: h.at(0))) == ["c": 0])
        let again = try h.admit()[0]
        #expect(h.buffersMade == 2)
        #expect([first[0].buffer, next.buffer].contains(again.buffer))
    }

    @Test("past the delay the open batch closes; it still waits for the images it holds, newcomers go to the next batch")
    func delayCloses() throws {
        var h = Harness()
        let slots = try h.admit(2)
        _ = h.machine.submit(slots[0], waiter: "a", now: h.at(0))
        #expect(h.machine.nextStep(now: h.at(5)).isWait)  // closed now, waits for slot 1
        let late = try h.admit()[0]
        #expect(late.batch != slots[0].batch)
        _ = h.machine.submit(slots[1], waiter: "b", now: h.at(6))
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(6))))
        #expect(run.count == 2)
    }

    @Test("a full queue refuses at once; more than the capacity is refused as too large")
    func fullQueueRefuses() throws {
        var h = Harness(capacity: 2)
        _ = try h.admit(2)
        #expect(throws: BatchQueueError.full(capacity: 2)) { try h.admit() }
        #expect(throws: BatchQueueError.tooLarge(count: 3, capacity: 2)) { try h.admit(3) }
    }

    @Test("batch buffers are bounded by the capacity in full batches plus two, however images arrive")
    func buffersAreBounded() throws {
        var h = Harness(maxBatchSize: 4, capacity: 8)
        #expect(h.machine.maxBuffers == 4)
        for i in 0..<8 {
            let slot = try h.admit()[0]
            _ = h.machine.submit(slot, waiter: "w\(i)", now: h.at(i))
            _ = h.machine.nextStep(now: h.at(i + 5))  // the first batch runs (and keeps running) at once
        }
        #expect(h.machine.load == 8)
        #expect(h.buffersMade == 3)  // the running lone image, a full batch, the open one
        #expect(h.buffersMade <= h.machine.maxBuffers)
        #expect(throws: BatchQueueError.full(capacity: 8)) { try h.admit() }
    }

    @Test("a withdrawn image (failed decode) leaves the queue; its batch runs without it, the rows packed")
    func withdrawPacks() throws {
        var h = Harness()
        let slots = try h.admit(3)
        _ = h.machine.submit(slots[0], waiter: "a", now: h.at(0))
        _ = h.machine.submit(slots[2], waiter: "c", now: h.at(0))
        #expect(h.machine.withdraw(slots[1]).wakeRunner)
        #expect(h.machine.load == 2)
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(run.count == 2)
        #expect(run.moves.map { [$0.from, $0.to] } == [[2, 1]])
        #expect(Self.rows(h.machine.runFinished(run.batch, now: h.at(0))) == ["a": 0, "c": 1])
        #expect(h.machine.load == 0)
    }

    @Test("a cancelled waiter is failed at once and leaves the queue: its batch runs without it, or not at all")
    func cancelCostsNoInference() throws {
        var h = Harness()
        let slots = try h.admit(2)
        _ = h.machine.submit(slots[0], waiter: "a", now: h.at(0))
        let cancelled = h.machine.cancel(slots[0])
        #expect(Self.failures(cancelled) == ["a": .cancelled])
        #expect(h.machine.withdraw(slots[1]).wakeRunner)
        #expect(h.machine.load == 0)
        // Nothing left to run: no inference.
        #expect(h.machine.nextStep(now: h.at(10)).isWait)
        // Cancelled while being prepared: its row stays reserved (the preparer may still write it)
        // until the preparer submits; the submission fails at once, and nothing runs.
        let other = try h.admit()[0]
        #expect(h.machine.cancel(other).complete.isEmpty)
        #expect(h.machine.load == 1)
        #expect(h.machine.nextStep(now: h.at(10)).isWait)
        #expect(Self.failures(h.machine.submit(other, waiter: "b", now: h.at(11))) == ["b": .cancelled])
        #expect(h.machine.nextStep(now: h.at(20)).isWait)
        #expect(h.machine.load == 0)
    }

    @Test("a row cancelled while being prepared is not reused nor run over until its preparer is done with it")
    func cancelWhilePreparingKeepsTheRow() throws {
        var h = Harness()
        let slots = try h.admit(3)
        _ = h.machine.submit(slots[0], waiter: "a", now: h.at(0))
        _ = h.machine.submit(slots[2], waiter: "c", now: h.at(0))
        _ = h.machine.cancel(slots[1])
        // Past the delay the batch closes, but it does not run (no row moves) while row 1 may be written.
        #expect(h.machine.nextStep(now: h.at(50)).isWait)
        #expect(h.machine.withdraw(slots[1]).wakeRunner)
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(51))))
        #expect(run.count == 2)
        #expect(run.moves.map { [$0.from, $0.to] } == [[2, 1]])
    }

    @Test("cancelling a waiter whose batch is running changes nothing: it gets its row")
    func cancelWhileRunning() throws {
        var h = Harness()
        let slot = try h.admit()[0]
        _ = h.machine.submit(slot, waiter: "a", now: h.at(0))
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(h.machine.cancel(slot).complete.isEmpty)
        #expect(Self.rows(h.machine.runFinished(run.batch, now: h.at(0))) == ["a": 0])
    }

    @Test("an image admitted before stop() and submitted after it is still answered; the runner ends only then")
    func admittedBeforeStopIsAnswered() throws {
        var h = Harness()
        let slot = try h.admit()[0]
        #expect(h.machine.stop().wakeRunner)
        #expect(throws: BatchQueueError.stopped) { try h.admit() }
        #expect(h.machine.nextStep(now: h.at(0)).isWait)
        #expect(!h.machine.isFinished)
        _ = h.machine.submit(slot, waiter: "late", now: h.at(50))
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(50))))
        #expect(Self.rows(h.machine.runFinished(run.batch, now: h.at(0))) == ["late": 0])
        guard case .finished = h.machine.nextStep(now: h.at(51)) else { Issue.record("should finish"); return }
        #expect(h.machine.isFinished)
    }

    @Test("a failed run fails every image of its batch, and the queue keeps serving")
    func failureIsScattered() throws {
        var h = Harness()
        let slots = try h.admit(2)
        _ = h.machine.submit(slots[0], waiter: "a", now: h.at(0))
        _ = h.machine.submit(slots[1], waiter: "b", now: h.at(0))
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        let failed = h.machine.runFinished(run.batch, now: h.at(0), failure: .inferenceFailed("boom"))
        #expect(Self.failures(failed) == ["a": .inferenceFailed("boom"), "b": .inferenceFailed("boom")])
        let next = try h.admit()[0]
        _ = h.machine.submit(next, waiter: "c", now: h.at(1))
        #expect(Self.run(h.machine.nextStep(now: h.at(1)))?.count == 1)
    }

    @Test("one batch runs at a time; the next waits for the running one to finish")
    func oneRunAtATime() throws {
        var h = Harness(maxBatchSize: 1)
        let slots = try h.admit(2)
        _ = h.machine.submit(slots[0], waiter: "a", now: h.at(0))
        _ = h.machine.submit(slots[1], waiter: "b", now: h.at(0))
        let first = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(h.machine.nextStep(now: h.at(0)).isWait)
        #expect(h.machine.waiting == 1)
        _ = h.machine.runFinished(first.batch, now: h.at(0))
        #expect(Self.run(h.machine.nextStep(now: h.at(1))) != nil)
    }

    // MARK: instances (several runners, one queue)

    /// Admits and submits one image as `name` at `ms`.
    static func submitOne(_ h: inout Harness, _ name: String, at ms: Int) throws -> BatchSlot {
        let slot = try h.admit()[0]
        _ = h.machine.submit(slot, waiter: name, now: h.at(ms))
        return slot
    }

    @Test("with two instances, two batches run at once, each in its own buffer; a third waits for a runner")
    func twoInstancesTwoBatchesInFlight() throws {
        var h = Harness(maxBatchSize: 2, capacity: 8, instances: 2)
        #expect(h.machine.maxBuffers == 7)
        let a = try Self.submitOne(&h, "a", at: 0)
        let first = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(first.batch == a.batch)
        // While it runs, the next batch fills and goes to the free runner.
        let b = try Self.submitOne(&h, "b", at: 1)
        let c = try Self.submitOne(&h, "c", at: 1)
        #expect(b.batch == c.batch && b.buffer != a.buffer)
        let second = try #require(Self.run(h.machine.nextStep(now: h.at(1))))
        #expect(second.batch == b.batch)
        #expect(second.count == 2)
        #expect(h.machine.running == 2)
        // Both runners busy: the third batch waits, however due it is.
        let d = try Self.submitOne(&h, "d", at: 2)
        #expect(h.machine.nextStep(now: h.at(50)).isWait)
        #expect(h.machine.waiting == 1)
        #expect(h.machine.load == 4)
        // The second finishes first: its waiters get their rows, and its runner takes the third batch.
        #expect(Self.rows(h.machine.runFinished(second.batch, now: h.at(3))) == ["b": 0, "c": 1])
        let third = try #require(Self.run(h.machine.nextStep(now: h.at(3))))
        #expect(third.batch == d.batch)
        #expect(Self.rows(h.machine.runFinished(first.batch, now: h.at(4))) == ["a": 0])
        #expect(Self.rows(h.machine.runFinished(third.batch, now: h.at(4))) == ["d": 0])
        #expect(h.machine.load == 0 && h.machine.running == 0)
        #expect(h.buffersMade == 3)
    }

    @Test("stop() with two batches in flight: both are answered, the waiting one runs, then each runner is told to end once")
    func stopWithBatchesInFlight() throws {
        var h = Harness(maxBatchSize: 1, capacity: 8, instances: 2)
        _ = try Self.submitOne(&h, "a", at: 0)
        _ = try Self.submitOne(&h, "b", at: 0)
        _ = try Self.submitOne(&h, "c", at: 0)
        let first = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        let second = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(h.machine.stop().wakeRunner)
        #expect(throws: BatchQueueError.stopped) { try h.admit() }
        #expect(h.machine.nextStep(now: h.at(1)).isWait)
        #expect(Self.rows(h.machine.runFinished(first.batch, now: h.at(2))) == ["a": 0])
        let third = try #require(Self.run(h.machine.nextStep(now: h.at(2))))
        #expect(Self.rows(h.machine.runFinished(second.batch, now: h.at(3))) == ["b": 0])
        // The runner that ran the second batch: nothing left for it, but the third still runs: wait.
        #expect(h.machine.nextStep(now: h.at(3)).isWait)
        #expect(!h.machine.isFinished)
        #expect(Self.rows(h.machine.runFinished(third.batch, now: h.at(4))) == ["c": 0])
        guard case .finished = h.machine.nextStep(now: h.at(4)) else { Issue.record("the first runner should end"); return }
        #expect(!h.machine.isFinished, "one runner is still to be told")
        guard case .finished = h.machine.nextStep(now: h.at(4)) else { Issue.record("the second runner should end"); return }
        #expect(h.machine.isFinished)
        #expect(h.machine.load == 0)
    }

    @Test("withdrawing an image of the filling batch while another batch runs: the filling batch runs packed on the free runner, the running one is untouched")
    func withdrawWhileAnotherBatchRuns() throws {
        var h = Harness(maxBatchSize: 4, capacity: 8, instances: 2)
        let a = try Self.submitOne(&h, "a", at: 0)
        let running = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(running.batch == a.batch)
        let slots = try h.admit(3)
        _ = h.machine.submit(slots[0], waiter: "b", now: h.at(1))
        _ = h.machine.submit(slots[2], waiter: "d", now: h.at(1))
        #expect(h.machine.nextStep(now: h.at(1)).isWait)  // slot 1 is still being prepared
        #expect(h.machine.withdraw(slots[1]).wakeRunner)
        #expect(h.machine.load == 3)
        let next = try #require(Self.run(h.machine.nextStep(now: h.at(1))))
        #expect(next.batch == slots[0].batch)
        #expect(next.count == 2)
        #expect(next.moves.map { [$0.from, $0.to] } == [[2, 1]])
        // A batch withdrawn entirely while the others run costs no runner.
        let lone = try h.admit()[0]
        #expect(h.machine.withdraw(lone).wakeRunner)
        #expect(h.machine.running == 2)
        #expect(Self.rows(h.machine.runFinished(running.batch, now: h.at(2))) == ["a": 0])
        #expect(h.machine.nextStep(now: h.at(2)).isWait)
        #expect(Self.rows(h.machine.runFinished(next.batch, now: h.at(3))) == ["b": 0, "d": 1])
        #expect(h.machine.load == 0)
    }

    @Test("with two instances, a low-priority batch still waits while a classification runs, and never runs beside another")
    func lowPriorityWithInstances() throws {
        var h = Harness(maxBatchSize: 4, lowPriorityBatches: 2, instances: 2)
        let a = try Self.submitOne(&h, "a", at: 0)
        let normal = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(normal.batch == a.batch)
        let x = try h.admit(1, priority: .low)[0], y = try h.admit(1, priority: .low)[0]
        _ = h.machine.submit(x, waiter: "x", now: h.at(1))
        _ = h.machine.submit(y, waiter: "y", now: h.at(1))
        #expect(h.machine.nextStep(now: h.at(100)).isWait)  // a classification is in flight
        _ = h.machine.runFinished(normal.batch, now: h.at(100))
        let low = try #require(Self.run(h.machine.nextStep(now: h.at(200))))
        #expect(low.batch == x.batch)
        #expect(h.machine.nextStep(now: h.at(200)).isWait)  // one low-priority batch at a time
        // A classification arriving meanwhile takes the free runner at once.
        let b = try Self.submitOne(&h, "b", at: 201)
        #expect(Self.run(h.machine.nextStep(now: h.at(201)))?.batch == b.batch)
    }

    // MARK: the low-priority lane

    @Test("a low-priority admission is one closed batch of its own; it runs at once when nothing else is admitted")
    func lowPriorityBatchRunsWhenIdle() throws {
        var h = Harness(maxBatchSize: 4, lowPriorityBatches: 2)
        let slots = try h.admit(3, priority: .low)
        #expect(Set(slots.map(\.batch)).count == 1)
        #expect(h.machine.lowPriorityLoad == 3)
        #expect(h.machine.load == 0)
        for (i, slot) in slots.enumerated() { _ = h.machine.submit(slot, waiter: "x\(i)", now: h.at(0)) }
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(run.count == 3)
        #expect(Self.rows(h.machine.runFinished(run.batch, now: h.at(0))) == ["x0": 0, "x1": 1, "x2": 2])
        #expect(h.machine.lowPriorityLoad == 0)
    }

    @Test("a low-priority batch never joins a classification's batch, and waits while any classification is admitted")
    func lowPriorityYieldsToClassifications() throws {
        var h = Harness(maxBatchSize: 4, lowPriorityBatches: 2)
        let low = try h.admit(2, priority: .low)
        for (i, slot) in low.enumerated() { _ = h.machine.submit(slot, waiter: "x\(i)", now: h.at(0)) }
        // A classification admitted after the explanation, still decoding: the low batch must wait for it.
        let normal = try h.admit()[0]
        #expect(normal.batch != low[0].batch)
        #expect(h.machine.nextStep(now: h.at(1)).isWait)
        _ = h.machine.submit(normal, waiter: "a", now: h.at(1))
        let first = try #require(Self.run(h.machine.nextStep(now: h.at(1))))
        #expect(first.batch == normal.batch)
        #expect(first.count == 1)
        #expect(Self.rows(h.machine.runFinished(first.batch, now: h.at(0))) == ["a": 0])
        let second = try #require(Self.run(h.machine.nextStep(now: h.at(2))))
        #expect(second.batch == low[0].batch)
        #expect(second.count == 2)
    }

    @Test("a classification arriving while a low-priority batch runs goes next, before the other low-priority batches")
    func classificationOvertakesWaitingLowBatches() throws {
        var h = Harness(maxBatchSize: 4, lowPriorityBatches: 2)
        let x = try h.admit(1, priority: .low)[0], y = try h.admit(1, priority: .low)[0]
        _ = h.machine.submit(x, waiter: "x", now: h.at(0))
        _ = h.machine.submit(y, waiter: "y", now: h.at(0))
        let running = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        #expect(running.batch == x.batch)
        let a = try h.admit()[0]
        _ = h.machine.submit(a, waiter: "a", now: h.at(1))
        #expect(h.machine.nextStep(now: h.at(1)).isWait)  // one batch at a time
        _ = h.machine.runFinished(running.batch, now: h.at(0))
        let next = try #require(Self.run(h.machine.nextStep(now: h.at(2))))
        #expect(next.batch == a.batch)
    }

    @Test("the low-priority lane is bounded in batches and batch size, and never takes a classification's place or buffer")
    func lowPriorityLaneIsBounded() throws {
        var h = Harness(maxBatchSize: 4, capacity: 8, lowPriorityBatches: 2)
        _ = try h.admit(4, priority: .low)
        _ = try h.admit(1, priority: .low)
        #expect(throws: BatchQueueError.full(capacity: 8)) { try h.admit(1, priority: .low) }
        #expect(throws: BatchQueueError.tooLarge(count: 5, capacity: 4)) { try h.admit(5, priority: .low) }
        // Classifications still get their whole capacity and their buffers.
        _ = try h.admit(8)
        #expect(h.machine.load == 8)
        #expect(h.buffersMade == 4)
        var closed = Harness(maxBatchSize: 4)
        #expect(throws: BatchQueueError.tooLarge(count: 1, capacity: 0)) { try closed.admit(1, priority: .low) }
    }

    @Test("withdrawn and cancelled low-priority images leave their lane; stop refuses both lanes and answers what is admitted")
    func lowPriorityWithdrawCancelStop() throws {
        var h = Harness(maxBatchSize: 4, lowPriorityBatches: 1)
        let slots = try h.admit(3, priority: .low)
        _ = h.machine.withdraw(slots[0])
        _ = h.machine.submit(slots[1], waiter: "b", now: h.at(0))
        #expect(Self.failures(h.machine.cancel(slots[1])) == ["b": .cancelled])
        _ = h.machine.stop()
        #expect(throws: BatchQueueError.stopped) { try h.admit(1, priority: .low) }
        #expect(throws: BatchQueueError.stopped) { try h.admit(1) }
        _ = h.machine.submit(slots[2], waiter: "c", now: h.at(1))
        let run = try #require(Self.run(h.machine.nextStep(now: h.at(1))))
        #expect(run.count == 1)
        #expect(run.moves.map(\.from) == [2])
        #expect(Self.rows(h.machine.runFinished(run.batch, now: h.at(0))) == ["c": 0])
        #expect(h.machine.lowPriorityLoad == 0)
        guard case .finished = h.machine.nextStep(now: h.at(2)) else {
            Issue.record("the runner must end once both lanes are drained")
            return
        }
    }

    @Test("while classifications flow, low-priority batches keep to their share of the runner; once they pause, low-priority batches run back to back")
    func lowPriorityShareWhileClassificationsFlow() throws {
        var h = Harness(maxBatchSize: 4, lowPriorityBatches: 2)
        #expect(Machine.lowPriorityShare == 0.1 && Machine.quietGap == .milliseconds(10))
        // An explanation batch runs 20 ms: the next may start 180 ms after it ends while classifications flow.
        let first = try h.admit(4, priority: .low)
        for (i, slot) in first.enumerated() { _ = h.machine.submit(slot, waiter: "x\(i)", now: h.at(0)) }
        let low = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        _ = h.machine.runFinished(low.batch, now: h.at(20))
        // Classifications flow: one batch every 9 ms.
        var end = 20
        func classify(_ name: String) throws {
            let slot = try h.admit()[0]
            _ = h.machine.submit(slot, waiter: name, now: h.at(end + 1))
            let run = try #require(Self.run(h.machine.nextStep(now: h.at(end + 1))))
            end += 9
            _ = h.machine.runFinished(run.batch, now: h.at(end))
        }
        try classify("a")  // ends at 29
        let second = try h.admit(4, priority: .low)
        for (i, slot) in second.enumerated() { _ = h.machine.submit(slot, waiter: "y\(i)", now: h.at(30)) }
        // In the gap between two classification batches, the explanation batch waits: at most until the
        // classifications have been quiet for 10 ms (39), here.
        guard case .wait(let until) = h.machine.nextStep(now: h.at(30)) else {
            Issue.record("the explanation batch must wait while classifications flow")
            return
        }
        #expect(until == h.at(39))
        while end < 200 { try classify("c\(end)") }  // they keep flowing: 38, 47, … 200
        #expect(Self.run(h.machine.nextStep(now: h.at(200))) != nil, "its share reached, it runs between two classification batches")
    }

    @Test("once classifications pause for the quiet gap, a low-priority batch runs at once, whatever its share")
    func lowPriorityRunsWhenClassificationsPause() throws {
        var h = Harness(maxBatchSize: 4, lowPriorityBatches: 2)
        let first = try h.admit(1, priority: .low)[0]
        _ = h.machine.submit(first, waiter: "x", now: h.at(0))
        let low = try #require(Self.run(h.machine.nextStep(now: h.at(0))))
        _ = h.machine.runFinished(low.batch, now: h.at(20))
        let a = try h.admit()[0]
        _ = h.machine.submit(a, waiter: "a", now: h.at(21))
        let normal = try #require(Self.run(h.machine.nextStep(now: h.at(21))))
        _ = h.machine.runFinished(normal.batch, now: h.at(25))
        let next = try h.admit(1, priority: .low)[0]
        _ = h.machine.submit(next, waiter: "y", now: h.at(26))
        #expect(h.machine.nextStep(now: h.at(34)).isWait)
        #expect(Self.run(h.machine.nextStep(now: h.at(35))) != nil)
        // Without any classification since, the next explanation batch follows at once.
        _ = h.machine.runFinished(next.batch, now: h.at(55))
        let third = try h.admit(1, priority: .low)[0]
        _ = h.machine.submit(third, waiter: "z", now: h.at(55))
        #expect(Self.run(h.machine.nextStep(now: h.at(55))) != nil)
    }
}

extension BatchQueueStateMachine.RunnerStep {
    /// Whether the runner is told to wait.
    var isWait: Bool { if case .wait = self { true } else { false } }

}
