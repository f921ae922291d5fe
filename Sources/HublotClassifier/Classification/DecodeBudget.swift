import Synchronization

/// The memory the process lets concurrent image decodes take at once: each decode reserves the
/// peak bytes its header announces (HublotCore's `ImageHeader.decodedBytes`) before any pixel
/// buffer exists, and gives them back when done. When the budget is exhausted the request is
/// refused at once (503 `overloaded`), so a burst of large images cannot exceed the container's
/// memory limit whatever the decode threads.
public final class DecodeBudget: Sendable {
    /// The default budget: 384 MiB, three decodes at the per-image limit (128 MiB) at once.
    public static let defaultBytes = 384 << 20

    /// Bytes that may be reserved at once.
    public let capacity: Int
    private let used = Mutex(0)

    /// A budget of `bytes`.
    public init(bytes: Int = DecodeBudget.defaultBytes) {
        self.capacity = max(0, bytes)
    }

    /// Bytes reserved right now.
    public var reserved: Int { self.used.withLock { $0 } }

    /// Reserves `bytes` and returns true, or returns false at once when they do not fit.
    public func tryReserve(_ bytes: Int) -> Bool {
        self.used.withLock { used in
            guard bytes <= self.capacity - used else { return false }
            used += bytes
            return true
        }
    }

    /// Gives back bytes reserved by ``tryReserve(_:)``.
    public func release(_ bytes: Int) {
        self.used.withLock { $0 -= bytes }
    }
}
