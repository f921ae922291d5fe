/// The classifier's replicas as a value: the addresses last resolved, the requests in flight to each, their
/// back-off and the round-robin cursor. Every event is a transition that returns what to do (which replica,
/// resolve again, log), which the owner (``ReplicaSet``) performs after releasing its lock. No clock, no
/// lock, no I/O in here: time comes in as arguments.
///
/// A replica that refuses a connection is *backed off*: not picked for `initialBackoff`, doubled at each
/// failure in a row up to `maxBackoff`, forgotten at its next answer. When every candidate is backed off,
/// the one that failed least recently is picked anyway: a request is never failed without trying.
public struct ReplicaSetStateMachine: Sendable {
    /// One known replica.
    struct Replica: Sendable {
        let address: ReplicaAddress
        /// Requests picked for it and not finished.
        var outstanding = 0
        /// Refusals in a row.
        var failures = 0
        /// Not picked before this instant (unless every candidate is backed off).
        var backedOffUntil: ContinuousClock.Instant?
        /// When it last refused.
        var lastFailure: ContinuousClock.Instant?
    }

    /// What a resolution changed.
    public struct Change: Sendable, Equatable {
        /// Addresses that appeared.
        public var added: [ReplicaAddress] = []
        /// Addresses that are gone (their requests in flight finish, uncounted).
        public var removed: [ReplicaAddress] = []
        /// Whether nothing changed.
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty }
    }

    /// What the owner does once a request finished.
    public struct FinishActions: Sendable, Equatable {
        /// Resolve the name again now (a replica refused: it may have moved).
        public var resolveAgain = false
    }

    /// How replicas are chosen.
    public let balancing: ClassifierBalancing
    /// The first back-off of a replica that refuses.
    public let initialBackoff: Duration
    /// The longest back-off.
    public let maxBackoff: Duration
    /// At most one log line per this interval while resolutions keep failing.
    public static var resolutionFailureLogInterval: Duration { .seconds(30) }

    private var replicas: [Replica] = []
    /// Where the next turn starts (an index in `replicas`).
    private var cursor = 0
    /// When a failed resolution was last logged; nil once one succeeds.
    private var lastFailureLogged: ContinuousClock.Instant?

    /// An empty set choosing by `balancing`, backing off from `initialBackoff` doubling up to `maxBackoff`.
    public init(balancing: ClassifierBalancing, initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(30)) {
        self.balancing = balancing
        self.initialBackoff = max(.zero, initialBackoff)
        self.maxBackoff = max(self.initialBackoff, maxBackoff)
    }

    /// The known addresses, in the order they are taken in turn.
    public var addresses: [ReplicaAddress] { replicas.map(\.address) }

    /// The requests in flight to `address` (nil when it is not known).
    public func outstanding(_ address: ReplicaAddress) -> Int? {
        replicas.first { $0.address == address }?.outstanding
    }

    /// Whether `address` is backed off at `now`.
    public func isBackedOff(_ address: ReplicaAddress, now: ContinuousClock.Instant) -> Bool {
        replicas.first { $0.address == address }.map { Self.isBackedOff($0, now: now) } ?? false
    }

    /// The back-off after `failures` refusals in a row: `initialBackoff` doubled `failures - 1` times, at most `maxBackoff`.
    public func backoff(afterFailures failures: Int) -> Duration {
        var backoff = initialBackoff
        for _ in 1..<min(max(1, failures), 64) where backoff < maxBackoff { backoff = backoff * 2 }
        return min(backoff, maxBackoff)
    }

    // MARK: events

    /// A resolution answered `addresses`: the addresses kept keep their requests in flight and back-off,
    /// new ones are added after them (in the resolver's order), missing ones are dropped. An empty answer
    /// changes nothing (the owner counts it as a failure).
    public mutating func resolved(_ addresses: [ReplicaAddress], now: ContinuousClock.Instant) -> Change {
        guard !addresses.isEmpty else { return Change() }
        lastFailureLogged = nil
        let wanted = Set(addresses)
        var change = Change()
        change.removed = replicas.map(\.address).filter { !wanted.contains($0) }
        replicas.removeAll { !wanted.contains($0.address) }
        for address in addresses where !replicas.contains(where: { $0.address == address }) {
            replicas.append(Replica(address: address))
            change.added.append(address)
        }
        cursor = replicas.isEmpty ? 0 : cursor % replicas.count
        return change
    }

    /// A resolution failed at `now`: the last set stays. Returns whether to log it (the first failure after a
    /// success, then at most once per ``resolutionFailureLogInterval``).
    public mutating func resolutionFailed(now: ContinuousClock.Instant) -> Bool {
        if let last = lastFailureLogged, now - last < Self.resolutionFailureLogInterval { return false }
        lastFailureLogged = now
        return true
    }

    /// Picks the replica of a request at `now`, other than those in `excluding` (the ones a retry leaves), and counts
    /// the request in flight there; nil when there is no such replica. Among the replicas not backed off:
    /// the fewest requests in flight (ties in turn) or simply the next in turn; when all are backed off,
    /// the one that failed least recently.
    public mutating func pick(now: ContinuousClock.Instant, excluding: Set<ReplicaAddress> = []) -> ReplicaAddress? {
        let candidates = replicas.indices.filter { !excluding.contains(replicas[$0].address) }
        guard !candidates.isEmpty else { return nil }
        let up = candidates.filter { !Self.isBackedOff(replicas[$0], now: now) }
        let chosen: Int
        if up.isEmpty {
            chosen = candidates.min { (replicas[$0].lastFailure ?? now) < (replicas[$1].lastFailure ?? now) }!
        } else {
            var eligible = up
            if balancing == .leastOutstanding {
                let least = up.map { replicas[$0].outstanding }.min()!
                eligible = up.filter { replicas[$0].outstanding == least }
            }
            chosen = eligible.first { $0 >= cursor } ?? eligible[0]
        }
        cursor = (chosen + 1) % replicas.count
        replicas[chosen].outstanding += 1
        return replicas[chosen].address
    }

    /// A request picked for `address` finished with `outcome` at `now`: it no longer counts in flight; an
    /// answer ends the replica's back-off, a refusal starts or doubles it and asks for a new resolution.
    public mutating func finished(_ address: ReplicaAddress, outcome: ReplicaOutcome, now: ContinuousClock.Instant) -> FinishActions {
        guard let index = replicas.firstIndex(where: { $0.address == address }) else { return FinishActions() }
        replicas[index].outstanding = max(0, replicas[index].outstanding - 1)
        switch outcome {
        case .answered:
            replicas[index].failures = 0
            replicas[index].backedOffUntil = nil
            return FinishActions()
        case .refused:
            replicas[index].failures += 1
            replicas[index].lastFailure = now
            replicas[index].backedOffUntil = now + backoff(afterFailures: replicas[index].failures)
            return FinishActions(resolveAgain: true)
        case .closedBeforeAnswer, .failed:
            return FinishActions()
        }
    }

    private static func isBackedOff(_ replica: Replica, now: ContinuousClock.Instant) -> Bool {
        replica.backedOffUntil.map { now < $0 } ?? false
    }
}
