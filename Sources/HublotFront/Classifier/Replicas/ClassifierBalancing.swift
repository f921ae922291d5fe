/// How the front chooses the classifier replica of each request (`--classifier-balancing`).
public enum ClassifierBalancing: String, Sendable, CaseIterable {
    /// The replica with the fewest requests in flight, ties taken in turn (the default).
    case leastOutstanding = "least-outstanding"
    /// Each replica in turn.
    case roundRobin = "round-robin"
}
