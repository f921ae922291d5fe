import HublotAPI
import Synchronization

/// Where a model is in its life: being loaded and warmed, serving, or failed with a reason.
public enum ModelState: Sendable {
    /// Loading or warming up.
    case loading
    /// Serving through its batch queue.
    case ready(any LoadedModel, BatchQueue)
    /// Failed to load; the reason is user-facing.
    case failed(String)

    /// Whether the model serves.
    public var isReady: Bool { if case .ready = self { true } else { false } }

    /// The API's status word: `loading`, `ready` or `failed`.
    public var status: String {
        switch self {
        case .loading: "loading"
        case .ready: "ready"
        case .failed: "failed"
        }
    }
}

/// One model as the server sees it: what is known about it and its state.
public struct ModelEntry: Sendable {
    /// Static facts (from `model.json`, or from the loaded model).
    public var summary: Model
    /// Its lifecycle state.
    public var state: ModelState
}

/// The models the server knows, in repository order, and their states; safe to read from any request.
public final class ModelRegistry: Sendable {
    /// The model used by `POST /v1/classify` and `/v2/health/ready`.
    public let defaultModel: String
    private let state: Mutex<State>

    private struct State {
        var order: [String]
        var entries: [String: ModelEntry]
        var waiters = ModelStateWaiters<CheckedContinuation<ModelState?, any Error>>()
    }

    /// Creates a registry listing `summaries`, all `loading`.
    public init(defaultModel: String, summaries: [Model]) {
        self.defaultModel = defaultModel
        var entries: [String: ModelEntry] = [:]
        for summary in summaries { entries[summary.name] = ModelEntry(summary: summary, state: .loading) }
        self.state = Mutex(State(order: summaries.map(\.name), entries: entries))
    }

    /// Model names in listing order.
    public var names: [String] { self.state.withLock { $0.order } }

    /// Every model, in listing order.
    public var entries: [ModelEntry] {
        self.state.withLock { state in state.order.compactMap { state.entries[$0] } }
    }

    /// The model called `name`, if known.
    public func entry(_ name: String) -> ModelEntry? {
        self.state.withLock { $0.entries[name] }
    }

    /// Number of models ready to serve.
    public var readyCount: Int {
        self.state.withLock { state in
            state.entries.values.filter(\.state.isReady).count
        }
    }

    /// Changes a model's state (and its summary when given); when it leaves `loading`, resumes the
    /// tasks awaiting ``settledState(of:)`` (outside the lock).
    public func update(_ name: String, state newState: ModelState, summary: Model? = nil) {
        let settled = self.state.withLock { state -> [CheckedContinuation<ModelState?, any Error>] in
            guard var entry = state.entries[name] else { return [] }
            entry.state = newState
            if let summary { entry.summary = summary }
            state.entries[name] = entry
            if case .loading = newState { return [] }
            return state.waiters.settle(name)
        }
        for waiter in settled { waiter.resume(returning: newState) }
    }

    /// Waits until model `name` is no longer `loading` and returns its state (`ready` or `failed`); nil
    /// when no model has that name. Throws `CancellationError` when the waiting task is cancelled.
    public func settledState(of name: String) async throws -> ModelState? {
        let id = self.state.withLock { $0.waiters.nextID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ModelState?, any Error>) in
                enum Now { case state(ModelState?), cancelled, parked }
                let now = self.state.withLock { state -> Now in
                    guard let entry = state.entries[name] else {
                        state.waiters.answered(id)
                        return .state(nil)
                    }
                    guard case .loading = entry.state else {
                        state.waiters.answered(id)
                        return .state(entry.state)
                    }
                    switch state.waiters.wait(id, for: name, continuation) {
                    case .park: return .parked
                    case .cancelled: return .cancelled
                    }
                }
                switch now {
                case .state(let current): continuation.resume(returning: current)
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .parked: break
                }
            }
        } onCancel: {
            self.state.withLock { $0.waiters.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Adds a model that was asked for but is not in the repository, as `failed`.
    public func addFailed(_ name: String, reason: String) {
        let settled = self.state.withLock { state in
            if state.entries[name] == nil { state.order.append(name) }
            state.entries[name] = ModelEntry(summary: Model(name: name), state: .failed(reason))
            return state.waiters.settle(name)
        }
        for waiter in settled { waiter.resume(returning: .failed(reason)) }
    }

    /// Tasks waiting in ``settledState(of:)``.
    var waiterCount: Int { self.state.withLock { $0.waiters.count } }

    /// The batch queues of the ready models.
    var queues: [BatchQueue] {
        self.state.withLock { state in
            state.entries.values.compactMap { if case .ready(_, let queue) = $0.state { queue } else { nil } }
        }
    }
}
