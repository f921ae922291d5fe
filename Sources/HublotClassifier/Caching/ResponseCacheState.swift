/// The response cache's contents, as a value: a least-recently-used list bounded in bytes. Every
/// operation is O(1) but ``removeAll(where:)``; no lock, no clock in here (``ResponseCache`` holds it).
///
/// Entries live in arrays, linked by index from the most to the least recently used; a freed slot
/// is reused by the next insertion.
public struct ResponseCacheState<Key: Hashable, Value> {
    private struct Entry {
        var key: Key
        var value: Value
        var cost: Int
        var newer: Int?
        var older: Int?
    }

    /// Most bytes the entries may cost together.
    public let capacity: Int
    /// What the entries cost now.
    public private(set) var bytes = 0
    private var entries: [Entry?] = []
    private var free: [Int] = []
    private var index: [Key: Int] = [:]
    private var newest: Int?
    private var oldest: Int?

    /// An empty cache of `capacity` bytes.
    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Entries held.
    public var count: Int { self.index.count }

    /// The value of `key`, now the most recently used; nil on a miss.
    public mutating func value(for key: Key) -> Value? {
        guard let slot = self.index[key] else { return nil }
        self.unlink(slot)
        self.linkNewest(slot)
        return self.entries[slot]?.value
    }

    /// Stores `value` under `key` (replacing an entry of the same key) as the most recently used, then
    /// evicts the least recently used until the entries fit; returns how many were evicted. A value that
    /// costs more than the whole capacity is not stored.
    @discardableResult
    public mutating func insert(_ value: Value, for key: Key, cost: Int) -> Int {
        if let slot = self.index[key] { self.remove(slot) }
        guard cost <= self.capacity else { return 0 }
        let entry = Entry(key: key, value: value, cost: cost)
        let slot: Int
        if let reused = self.free.popLast() {
            slot = reused
            self.entries[slot] = entry
        } else {
            slot = self.entries.count
            self.entries.append(entry)
        }
        self.index[key] = slot
        self.bytes += cost
        self.linkNewest(slot)
        var evicted = 0
        while self.bytes > self.capacity, let oldest = self.oldest {
            self.remove(oldest)
            evicted += 1
        }
        return evicted
    }

    /// Removes every entry whose key matches; returns how many.
    @discardableResult
    public mutating func removeAll(where matches: (Key) -> Bool) -> Int {
        let slots = self.index.filter { matches($0.key) }.map(\.value)
        for slot in slots { self.remove(slot) }
        return slots.count
    }

    /// The keys from the most to the least recently used (for tests).
    public var keysByRecency: [Key] {
        var keys: [Key] = []
        var slot = self.newest
        while let current = slot, let entry = self.entries[current] {
            keys.append(entry.key)
            slot = entry.older
        }
        return keys
    }

    private mutating func remove(_ slot: Int) {
        guard let entry = self.entries[slot] else { return }
        self.unlink(slot)
        self.index[entry.key] = nil
        self.bytes -= entry.cost
        self.entries[slot] = nil
        self.free.append(slot)
    }

    private mutating func unlink(_ slot: Int) {
        guard let entry = self.entries[slot] else { return }
        if let newer = entry.newer { self.entries[newer]?.older = entry.older } else { self.newest = entry.older }
        if let older = entry.older { self.entries[older]?.newer = entry.newer } else { self.oldest = entry.newer }
        self.entries[slot]?.newer = nil
        self.entries[slot]?.older = nil
    }

    private mutating func linkNewest(_ slot: Int) {
        self.entries[slot]?.older = self.newest
        self.entries[slot]?.newer = nil
        if let newest = self.newest { self.entries[newest]?.newer = slot }
        self.newest = slot
        if self.oldest == nil { self.oldest = slot }
    }
}
