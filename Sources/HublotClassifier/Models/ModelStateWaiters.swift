/// Who waits for which model to settle (leave `loading`), as a value: each event is a transition that
/// returns the waiters to resume, which the owner resumes after releasing its lock. A waiter is known by
/// an id its owner allocates with ``nextID()``, so that a cancellation arriving before the waiter is
/// registered is remembered and the registration answered at once.
struct ModelStateWaiters<Waiter> {
    /// What to do with a waiter that asks to wait.
    enum WaitAction {
        /// Park it: it is resumed by a later ``settle(_:)`` or ``cancel(_:)``.
        case park
        /// Resume it now: its task was cancelled before it asked.
        case cancelled(Waiter)
    }

    private var waiting: [UInt64: (model: String, waiter: Waiter)] = [:]
    private var cancelledEarly: Set<UInt64> = []
    private var lastID: UInt64 = 0

    /// Allocates the id of a new waiter.
    mutating func nextID() -> UInt64 {
        self.lastID += 1
        return self.lastID
    }

    /// `waiter` (id `id`) waits for `model` to settle; the caller already saw it `loading` under the same lock.
    mutating func wait(_ id: UInt64, for model: String, _ waiter: Waiter) -> WaitAction {
        if self.cancelledEarly.remove(id) != nil { return .cancelled(waiter) }
        self.waiting[id] = (model, waiter)
        return .park
    }

    /// `model` settled: the waiters to resume with its state.
    mutating func settle(_ model: String) -> [Waiter] {
        let ids = self.waiting.filter { $0.value.model == model }.keys
        return ids.compactMap { self.waiting.removeValue(forKey: $0)?.waiter }
    }

    /// The task of waiter `id` was cancelled: the waiter to resume with a cancellation, if it waits already.
    mutating func cancel(_ id: UInt64) -> Waiter? {
        if let entry = self.waiting.removeValue(forKey: id) { return entry.waiter }
        self.cancelledEarly.insert(id)
        return nil
    }

    /// Waiters parked.
    var count: Int { self.waiting.count }
}

extension ModelStateWaiters: Sendable where Waiter: Sendable {}
