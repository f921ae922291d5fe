import HublotAPI
import HublotCore
import Testing

@testable import HublotClassifier

/// Awaiting a model's state change: the waiters' state machine alone, then the registry's continuations.
@Suite("ModelRegistry state changes", .timeLimit(.minutes(1)))
struct ModelRegistryTests {
    @Test("settling a model resumes its waiters only, once")
    func settleResumesTheModelsWaiters() {
        var waiters = ModelStateWaiters<String>()
        let first = waiters.nextID(), second = waiters.nextID(), other = waiters.nextID()
        #expect(first != second && second != other)
        guard case .park = waiters.wait(first, for: "a", "first"),
            case .park = waiters.wait(second, for: "a", "second"),
            case .park = waiters.wait(other, for: "b", "other")
        else { Issue.record("a fresh waiter was not parked"); return }
        #expect(Set(waiters.settle("a")) == ["first", "second"])
        #expect(waiters.settle("a").isEmpty)
        #expect(waiters.count == 1)
        #expect(waiters.cancel(other) == "other")
        #expect(waiters.count == 0)
    }

    @Test("a waiter answered at once is forgotten, and a cancellation arriving later is ignored")
    func answeredThenCancelled() {
        var waiters = ModelStateWaiters<String>()
        let id = waiters.nextID()
        #expect(waiters.count == 1)
        waiters.answered(id)
        #expect(waiters.cancel(id) == nil)
        #expect(waiters.count == 0)
    }

    @Test("a cancellation that arrives before the waiter is registered answers the registration at once")
    func cancellationBeforeWaiting() {
        var waiters = ModelStateWaiters<String>()
        let id = waiters.nextID()
        #expect(waiters.cancel(id) == nil)
        guard case .cancelled(let waiter) = waiters.wait(id, for: "a", "late") else {
            Issue.record("the early cancellation was forgotten")
            return
        }
        #expect(waiter == "late")
        #expect(waiters.count == 0)
    }

    @Test("settledState returns the new state when the model leaves loading, nil for an unknown model")
    func settledStateAwaitsTheUpdate() async throws {
        let registry = ModelRegistry(defaultModel: "a")
        _ = registry.scanned([Self.candidate("a")], apply: true)
        #expect(try await registry.settledState(of: "unknown") == nil)
        let waiting = Task { try await registry.settledState(of: "a") }
        _ = registry.loadFinished("a", version: Self.candidate("a").version, outcome: .failure(.init(reason: "broken")))
        let state = try await waiting.value
        #expect(state?.status == "failed")
        // Already settled: answered at once.
        #expect(try await registry.settledState(of: "a")?.status == "failed")
    }

    @Test("a cancelled wait throws CancellationError and leaves no waiter behind")
    func cancelledWait() async throws {
        let registry = ModelRegistry(defaultModel: "a")
        _ = registry.scanned([Self.candidate("a")], apply: true)
        let waiting = Task { try await registry.settledState(of: "a") }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(registry.waiterCount == 0)
        // Answered at once, then cancelled: nothing is left behind either.
        let answered = Task { try await registry.settledState(of: "unknown") }
        _ = try await answered.value
        answered.cancel()
        #expect(registry.waiterCount == 0)
        _ = registry.loadFinished("a", version: Self.candidate("a").version, outcome: .failure(.init(reason: "broken")))
        #expect(registry.entry("a")?.state.status == "failed")
    }

    static func candidate(_ name: String) -> ModelCandidate {
        ModelCandidate(name: name, version: ModelVersion(label: "1", identity: "1"), summary: Model(name: name))
    }
}
