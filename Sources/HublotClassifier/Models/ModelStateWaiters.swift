/// Who waits for which model to settle (leave `loading`), as a value: each event is a transition that
/// returns the waiters to resume, which the owner resumes after releasing its lock. A waiter is known by
/// an id allocated with ``nextID()`` before it can be cancelled, so that a cancellation arriving before
/// the waiter is parked is remembered and the parking answered at once, and one arriving after it was
/// answered is ignored.
struct ModelStateWaiters<Waiter> {
    /// What to do with a waiter that asks to wait.
    enum WaitAction {
        /// Park it: it is resumed by a later ``settle(_:)`` or ``cancel(_:)``.
        case park
        /// Resume it now: its task was cancelled before it asked.
        case cancelled(Waiter)
    }

    /// Ids allocated but not parked, and whether their task was cancelled meanwhile.
    private var pending: [UInt64: Bool] = [:]
    private var waiting: [UInt64: (model: String, waiter: Waiter)] = [:]
    private var lastID: UInt64 = 0

    /// Allocates the id of a new waiter.
    mutating func nextID() -> UInt64 {
        self.lastID += 1
        self.pending[self.lastID] = false
        return self.lastID
    }

    /// `waiter` (id `id`) waits for `model` to settle; the caller already saw it `loading` under the same lock.
    mutating func wait(_ id: UInt64, for model: String, _ waiter: Waiter) -> WaitAction {
        if self.pending.removeValue(forKey: id) == true { return .cancelled(waiter) }
        self.waiting[id] = (model, waiter)
        return .park
    }

    /// Waiter `id` was answered without parking (its model had settled, or is unknown).
    mutating func answered(_ id: UInt64) {
        self.pending.removeValue(forKey: id)
    }

    /// `model` settled: the waiters to resume with its state.
    mutating func settle(_ model: String) -> [Waiter] {
        let ids = self.waiting.filter { $0.value.model == model }.keys
        return ids.compactMap { self.waiting.removeValue(forKey: $0)?.waiter }
    }

    /// The task of waiter `id` was cancelled: the waiter to resume with a cancellation, if it is parked.
    mutating func cancel(_ id: UInt64) -> Waiter? {
        if let entry = self.waiting.removeValue(forKey: id) { return entry.waiter }
        if self.pending[id] != nil { self.pending[id] = true }
        return nil
    }

    /// The models someone waits for.
    var models: Set<String> { Set(self.waiting.values.map(\.model)) }

    /// Waiters parked or about to be.
    var count: Int { self.waiting.count + self.pending.count }
}

extension ModelStateWaiters: Sendable where Waiter: Sendable {}
