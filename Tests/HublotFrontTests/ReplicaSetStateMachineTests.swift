import Testing

@testable import HublotFront

/// The replica choice as a value: spread, back-off, re-resolution and retries, with time passed in.
@Suite struct ReplicaSetStateMachineTests {
    let a = ReplicaAddress(host: "10.0.0.1", port: 8000)
    let b = ReplicaAddress(host: "10.0.0.2", port: 8000)
    let c = ReplicaAddress(host: "fd00::3", port: 8000)
    let start = ContinuousClock.now

    func machine(_ balancing: ClassifierBalancing = .leastOutstanding, _ addresses: [ReplicaAddress]) -> ReplicaSetStateMachine {
        var machine = ReplicaSetStateMachine(balancing: balancing)
        _ = machine.resolved(addresses, now: start)
        return machine
    }

    @Test func leastOutstandingTakesTheLeastBusyAndTiesInTurn() {
        var machine = machine(.leastOutstanding, [a, b, c])
        // Nothing in flight: in turn.
        #expect(machine.pick(now: start) == a)
        #expect(machine.pick(now: start) == b)
        #expect(machine.pick(now: start) == c)
        // a and c finish: they are the least busy, taken in turn from the cursor (after c: a).
        _ = machine.finished(a, outcome: .answered, now: start)
        _ = machine.finished(c, outcome: .answered, now: start)
        #expect(machine.pick(now: start) == a)
        #expect(machine.pick(now: start) == c)
        // All at one: in turn again.
        #expect(machine.pick(now: start) == a)
        #expect(machine.outstanding(a) == 2)
        #expect(machine.outstanding(b) == 1)
        #expect(machine.outstanding(c) == 1)
    }

    @Test func leastOutstandingAvoidsASlowReplica() {
        var machine = machine(.leastOutstanding, [a, b])
        _ = machine.pick(now: start)  // a, and it never finishes: a slow replica
        var counts: [ReplicaAddress: Int] = [:]
        for _ in 0..<10 {
            let picked = machine.pick(now: start)!
            counts[picked, default: 0] += 1
            _ = machine.finished(picked, outcome: .answered, now: start)
        }
        #expect(counts == [b: 10])
    }

    @Test func roundRobinIgnoresTheLoad() {
        var machine = machine(.roundRobin, [a, b, c])
        let picks = (0..<6).map { _ in machine.pick(now: start)! }
        #expect(picks == [a, b, c, a, b, c])
    }

    @Test func requestsSpreadEvenlyOverTwo() {
        for balancing in ClassifierBalancing.allCases {
            var machine = machine(balancing, [a, b])
            var counts: [ReplicaAddress: Int] = [:]
            for _ in 0..<200 {
                let picked = machine.pick(now: start)!
                counts[picked, default: 0] += 1
                _ = machine.finished(picked, outcome: .answered, now: start)
            }
            #expect(counts == [a: 100, b: 100], "\(balancing)")
        }
    }

    @Test func aRefusingReplicaBacksOffDoublingThenRecovers() {
        var machine = machine(.roundRobin, [a, b])
        #expect(machine.pick(now: start) == a)
        #expect(machine.finished(a, outcome: .refused, now: start).resolveAgain)
        #expect(machine.isBackedOff(a, now: start))
        // For one second, only b.
        #expect(machine.pick(now: start + .milliseconds(500)) == b)
        #expect(machine.pick(now: start + .milliseconds(999)) == b)
        // Then a is tried again; it refuses again: two seconds.
        let second = start + .seconds(1)
        #expect(machine.pick(now: second) == a)
        _ = machine.finished(a, outcome: .refused, now: second)
        #expect(machine.isBackedOff(a, now: second + .milliseconds(1999)))
        #expect(!machine.isBackedOff(a, now: second + .seconds(2)))
        // It answers: the back-off is forgotten, the next refusal is one second again.
        let third = second + .seconds(2)
        #expect(machine.pick(now: third) == b)
        #expect(machine.pick(now: third) == a)
        #expect(!machine.finished(a, outcome: .answered, now: third).resolveAgain)
        #expect(!machine.isBackedOff(a, now: third))
        #expect(machine.pick(now: third) == b)
        #expect(machine.pick(now: third) == a)
        _ = machine.finished(a, outcome: .refused, now: third)
        #expect(machine.isBackedOff(a, now: third + .milliseconds(999)))
        #expect(!machine.isBackedOff(a, now: third + .seconds(1)))
    }

    @Test func theBackoffDoublesUpToItsLimit() {
        let machine = ReplicaSetStateMachine(balancing: .roundRobin, initialBackoff: .seconds(1), maxBackoff: .seconds(30))
        #expect((1...7).map { machine.backoff(afterFailures: $0) } == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
        #expect(machine.backoff(afterFailures: 10_000) == .seconds(30))
    }

    @Test func otherFailuresDoNotBackOff() {
        var machine = machine(.roundRobin, [a, b])
        for outcome in [ReplicaOutcome.closedBeforeAnswer, .failed] {
            #expect(machine.pick(now: start) == a)
            #expect(!machine.finished(a, outcome: outcome, now: start).resolveAgain)
            #expect(!machine.isBackedOff(a, now: start))
            #expect(machine.pick(now: start) == b)
            _ = machine.finished(b, outcome: .answered, now: start)
        }
    }

    @Test func whenAllAreDownTheLeastRecentlyFailedIsTried() {
        var machine = machine(.leastOutstanding, [a, b, c])
        // Each refuses once: b first, then c, then a.
        for (offset, address) in [(0, b), (1, c), (2, a)] {
            _ = machine.finished(address, outcome: .refused, now: start + .milliseconds(offset))
        }
        let now = start + .milliseconds(10)
        #expect([a, b, c].allSatisfy { machine.isBackedOff($0, now: now) })
        #expect(machine.pick(now: now) == b)
        #expect(machine.pick(now: now, excluding: [b]) == c)
    }

    @Test func aRetryExcludesTheFailedReplica() {
        var machine = machine(.leastOutstanding, [a, b])
        #expect(machine.pick(now: start) == a)
        _ = machine.finished(a, outcome: .closedBeforeAnswer, now: start)
        #expect(machine.pick(now: start) == b)
        _ = machine.finished(b, outcome: .answered, now: start)
        // a is now the natural choice (in turn, nothing in flight, not backed off): a retry leaving it gets b.
        for _ in 0..<4 {
            #expect(machine.pick(now: start, excluding: [a]) == b)
            _ = machine.finished(b, outcome: .answered, now: start)
        }
        // Even when b is backed off, a retry leaving a goes to b: never to the replica that just failed.
        _ = machine.pick(now: start, excluding: [a])
        _ = machine.finished(b, outcome: .refused, now: start)
        #expect(machine.pick(now: start, excluding: [a]) == b)
        // Only one replica: no other to retry on.
        var single = self.machine(.roundRobin, [a])
        #expect(single.pick(now: start, excluding: [a]) == nil)
        #expect(single.pick(now: start) == a)
    }

    @Test func aRetryExcludesEveryReplicaAlreadyTried() {
        var machine = machine(.roundRobin, [a, b, c])
        #expect(machine.pick(now: start, excluding: [a, b]) == c)
        #expect(machine.pick(now: start, excluding: [c, a]) == b)
        #expect(machine.pick(now: start, excluding: [a, b, c]) == nil)
    }

    @Test func aResolutionKeepsTheKeptReplicasAndDropsTheRemovedOnes() {
        var machine = machine(.leastOutstanding, [a, b])
        #expect(machine.pick(now: start) == a)
        #expect(machine.pick(now: start) == b)
        #expect(machine.pick(now: start) == a)
        _ = machine.finished(b, outcome: .refused, now: start)
        let change = machine.resolved([c, a], now: start)
        #expect(change == .init(added: [c], removed: [b]))
        #expect(machine.addresses == [a, c])
        #expect(machine.outstanding(a) == 2)
        #expect(machine.outstanding(c) == 0)
        #expect(machine.outstanding(b) == nil)
        // A request to a removed replica finishes without effect.
        #expect(machine.finished(b, outcome: .refused, now: start) == .init())
        // The new one, least busy, takes the next requests.
        #expect(machine.pick(now: start) == c)
        #expect(machine.pick(now: start) == c)
        // b comes back: a fresh replica, no back-off remembered.
        #expect(machine.resolved([a, b, c], now: start) == .init(added: [b], removed: []))
        #expect(!machine.isBackedOff(b, now: start))
        #expect(machine.resolved([a, b, c], now: start).isEmpty)
    }

    @Test func anEmptyResolutionKeepsTheLastSet() {
        var machine = machine(.roundRobin, [a, b])
        #expect(machine.resolved([], now: start).isEmpty)
        #expect(machine.addresses == [a, b])
    }

    @Test func failedResolutionsAreLoggedAtMostEveryThirtySeconds() {
        var machine = machine(.roundRobin, [a])
        var logged = [0, 29, 30].map { machine.resolutionFailed(now: start + .seconds($0)) }
        #expect(logged == [true, false, true])
        // A success in between: the next failure is logged at once.
        _ = machine.resolved([a], now: start + .seconds(31))
        logged = [32, 33].map { machine.resolutionFailed(now: start + .seconds($0)) }
        #expect(logged == [true, false])
    }

    @Test func nothingKnownPicksNothing() {
        var machine = ReplicaSetStateMachine(balancing: .leastOutstanding)
        #expect(machine.pick(now: start) == nil)
    }
}
