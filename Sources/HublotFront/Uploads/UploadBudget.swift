import HublotHTTP
import Synchronization

/// The bytes the front may hold for uploads in flight, across all requests: each upload reserves its
/// size (its `Content-Length`, else the largest upload allowed) before its body is read and gives it
/// back once answered; when the budget is spent, the upload is refused with 503 `overloaded` and
/// `Retry-After` instead of growing the process past its memory limit.
public final class UploadBudget: Sendable {
    /// The whole budget in bytes.
    public let capacity: Int
    private let reserved = Mutex(0)

    /// Creates a budget of `capacity` bytes.
    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// The bytes currently reserved.
    public var inUse: Int { reserved.withLock { $0 } }

    /// Runs `body` holding `bytes` of the budget, or throws 503 `overloaded` at once when they are not free.
    public func withReservation<T>(of bytes: Int, _ body: () async throws -> T) async throws -> T {
        let granted = reserved.withLock { inUse -> Bool in
            guard inUse + bytes <= capacity else { return false }
            inUse += bytes
            return true
        }
        guard granted else {
            throw APIError.overloaded("the front is receiving too many uploads right now; retry shortly", retryAfterSeconds: 2)
        }
        defer { reserved.withLock { $0 -= bytes } }
        return try await body()
    }
}
