import HublotAPI
import HublotCore
import Synchronization

/// A loaded version of a model, serving: the model, its batch queue and which version it is.
public struct ServingModel: Sendable {
    /// The loaded model.
    public let model: any LoadedModel
    /// Its batch queue.
    public let queue: BatchQueue
    /// The version loaded.
    public let version: ModelVersion
}

/// Where a model is in its life, as requests see it.
public enum ModelState: Sendable {
    /// Loading or warming up, and no version serves yet.
    case loading
    /// A version serves through its batch queue.
    case ready(ServingModel)
    /// No version serves: it failed to load (or its folder is gone); the reason is user-facing.
    case failed(String)
    /// Not loaded: unloaded through the repository API, or not loaded yet under explicit control.
    case unavailable(String)

    /// Whether the model serves.
    public var isReady: Bool { if case .ready = self { true } else { false } }

    /// The API's status word: `loading`, `ready`, `failed` or `unavailable`.
    public var status: String {
        switch self {
        case .loading: "loading"
        case .ready: "ready"
        case .failed: "failed"
        case .unavailable: "unavailable"
        }
    }
}

/// One model as the server sees it: what is known about it and its state.
public struct ModelEntry: Sendable {
    /// Static facts (from `model.json`, or from the loaded model).
    public var summary: Model
    /// Its lifecycle state.
    public var state: ModelState
    /// The version serving, else the one loading or last tried.
    public var version: String?
    /// Why the last load failed (while an older version may still serve), or why it is not loaded.
    public var reason: String?
}

/// The models the server knows and their states, around ``ModelLifecycle`` under a lock: requests
/// read entries; ``ModelService`` feeds it events and performs the actions they return. Tasks can await
/// a model leaving `loading` (``settledState(of:)``).
public final class ModelRegistry: Sendable {
    /// The model used by `POST /v1/classify` and `/v2/health/ready`.
    public let defaultModel: String
    private let state: Mutex<State>

    typealias Lifecycle = ModelLifecycle<ServingModel>
    typealias Waiter = CheckedContinuation<ModelState?, any Error>

    private struct State {
        var lifecycle: Lifecycle
        var waiters = ModelStateWaiters<Waiter>()

        /// The waiters of models that are no longer loading, with the state to give them.
        mutating func settled() -> [(Waiter, ModelState?)] {
            self.waiters.models.flatMap { name -> [(Waiter, ModelState?)] in
                let record = self.lifecycle.record(name)
                if case .loading = record?.status { return [] }
                let state = record.map { ModelRegistry.state($0.status) }
                return self.waiters.settle(name).map { ($0, state) }
            }
        }
    }

    /// A registry that knows no model but the default one and the `wanted` ones (listed as missing
    /// until a scan finds them); `memoryBudget` bounds what loads may be charged.
    public init(defaultModel: String, wanted: [String]? = nil, memoryBudget: Int? = nil) {
        self.defaultModel = defaultModel
        self.state = Mutex(State(lifecycle: Lifecycle(defaultModel: defaultModel, wanted: wanted, memoryBudget: memoryBudget)))
    }

    // MARK: - Reading

    /// Model names in listing order.
    public var names: [String] { self.state.withLock { $0.lifecycle.order } }

    /// Every model, in listing order.
    public var entries: [ModelEntry] {
        self.state.withLock { state in state.lifecycle.order.compactMap { Self.entry(state.lifecycle.record($0)) } }
    }

    /// The model called `name`, if known.
    public func entry(_ name: String) -> ModelEntry? {
        self.state.withLock { Self.entry($0.lifecycle.record(name)) }
    }

    /// Number of models ready to serve.
    public var readyCount: Int {
        self.state.withLock { state in state.lifecycle.records.values.filter { $0.serving != nil }.count }
    }

    /// The memory loaded and loading models are charged, in bytes.
    public var chargedMemory: Int { self.state.withLock { $0.lifecycle.charged } }

    static func state(_ status: Lifecycle.Status) -> ModelState {
        switch status {
        case .loading: .loading
        case .ready(let serving): .ready(serving)
        case .failed(let reason): .failed(reason)
        case .unavailable(let reason): .unavailable(reason)
        }
    }

    private static func entry(_ record: Lifecycle.Record?) -> ModelEntry? {
        guard let record else { return nil }
        let version = record.serving?.version ?? record.loading?.version ?? record.failure?.version
        return ModelEntry(
            summary: record.summary, state: Self.state(record.status), version: version?.label, reason: record.failure?.reason)
    }

    // MARK: - Events (called by ModelService, which performs the actions returned)

    /// A repository scan found `candidates` (see ``ModelLifecycle/scanned(_:apply:)``).
    func scanned(_ candidates: [ModelCandidate], apply: Bool) -> [Lifecycle.Action] {
        self.transition { $0.scanned(candidates, apply: apply) }
    }

    /// Starts loading `candidate`; nil when that version serves or loads already.
    func beginLoad(_ candidate: ModelCandidate) -> Result<Lifecycle.Action?, Lifecycle.Refusal> {
        self.transition { $0.beginLoad(candidate) }
    }

    /// A load finished.
    func loadFinished(_ name: String, version: ModelVersion, outcome: Result<(ServingModel, Model), Lifecycle.Refusal>) -> [Lifecycle.Action] {
        self.transition { $0.loadFinished(name, version: version, outcome: outcome) }
    }

    /// Unloads `name`; nil when unknown.
    func unload(_ name: String) -> [Lifecycle.Action]? {
        self.transition { $0.unload(name) }
    }

    /// The server stops.
    func shutdown() -> [Lifecycle.Action] {
        self.transition { $0.shutdown() }
    }

    /// Applies `event` under the lock, then resumes the waiters whose model settled (outside it).
    private func transition<R>(_ event: (inout Lifecycle) -> R) -> R {
        let (result, settled) = self.state.withLock { state in
            let result = event(&state.lifecycle)
            return (result, state.settled())
        }
        for (waiter, state) in settled { waiter.resume(returning: state) }
        return result
    }

    // MARK: - Waiting

    /// Waits until model `name` is no longer `loading` and returns its state; nil when no model has
    /// that name. Throws `CancellationError` when the waiting task is cancelled.
    public func settledState(of name: String) async throws -> ModelState? {
        let id = self.state.withLock { $0.waiters.nextID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                enum Now { case state(ModelState?), cancelled, parked }
                let now = self.state.withLock { state -> Now in
                    guard let record = state.lifecycle.record(name) else {
                        state.waiters.answered(id)
                        return .state(nil)
                    }
                    guard case .loading = record.status else {
                        state.waiters.answered(id)
                        return .state(Self.state(record.status))
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

    /// Tasks waiting in ``settledState(of:)``.
    var waiterCount: Int { self.state.withLock { $0.waiters.count } }
}
