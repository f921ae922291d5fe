import Hummingbird
import NIOCore

/// Reads a whole request body into one buffer, bounded in size and in time, inside the handler that
/// answers it: the body is never iterated by anything that outlives the handler (Hummingbird reads
/// what is left of the body once the handler has answered, and a second reader of the same
/// connection's stream traps).
///
/// A body past the limit is refused with 413. Hummingbird reads what is left of a refused body before the
/// next request of a kept-alive connection, but not when the request said `Connection: close`: a client
/// that sends its whole body before reading would then block forever on a server that reads no more. For
/// those requests the rest of the body is read and discarded (up to ``drainFactor`` times the limit, within
/// the timeout) before the 413 is answered.
public enum RequestBodyReader {
    /// How many times the limit a refused `Connection: close` body may be read and discarded.
    public static let drainFactor = 4

    /// The body of `request`, or an ``APIError``: 413 `payload_too_large` when it passes `limit` bytes (at
    /// once when its `Content-Length` says so), 408 `request_timeout` (with `Connection: close`) when it has
    /// not fully arrived `timeout` after the handler started reading it.
    public static func collect(_ request: Request, limit: Int, timeout: Duration) async throws(APIError) -> ByteBuffer {
        try await collect(
            request.body, declaredLength: request.headers[.contentLength].flatMap { Int($0) }, limit: limit, timeout: timeout,
            drainsRefusedBody: request.headers[.connection] == "close")
    }

    /// `body`, whose `Content-Length` was `declared` (if any); see ``collect(_:limit:timeout:)-(Request,_,_)``.
    /// `drainsRefusedBody`: read and discard the rest of a body refused with 413 (the connection closes after).
    public static func collect(
        _ body: RequestBody, declaredLength declared: Int?, limit: Int, timeout: Duration, drainsRefusedBody: Bool = false
    ) async throws(APIError) -> ByteBuffer {
        let drainLimit = drainsRefusedBody ? limit * drainFactor : limit
        if let declared, declared > drainLimit { throw APIError.payloadTooLarge(limit: limit) }
        do {
            guard
                let buffer = try await within(timeout, {
                    try await Self.read(body, capacity: min(declared ?? 0, limit), limit: limit, drainLimit: drainLimit)
                })
            else { throw APIError.requestTimeout(after: timeout) }
            return buffer
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("the request body could not be read")
        }
    }

    /// Reads and discards `body`, at most `limit` bytes and for at most `timeout`: the same bounded drain as
    /// a refused `Connection: close` body in ``collect(_:limit:timeout:)-(Request,_,_)``, for a body its
    /// handler answered without reading (``UnreadBodyDrainMiddleware``). True when the body ended within
    /// both bounds.
    @discardableResult
    public static func discard(_ body: RequestBody, limit: Int, timeout: Duration) async -> Bool {
        let ended = try? await within(timeout) {
            var received = 0
            for try await chunk in body {
                received += chunk.readableBytes
                if received > limit { return false }
            }
            return true
        }
        return ended == true
    }

    /// The result of `operation`, or nil when it has not finished `timeout` after it started (it is then
    /// cancelled).
    private static func within<Value: Sendable>(
        _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value? {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// Reads `body` into one buffer of `capacity` bytes reserved up front (no reallocation when the
    /// length was declared); a body that arrives as one chunk is kept as is. Past `limit` the bytes are
    /// discarded until `drainLimit`, then 413.
    private static func read(_ body: RequestBody, capacity: Int, limit: Int, drainLimit: Int) async throws -> ByteBuffer {
        var collected: ByteBuffer?
        var received = 0
        for try await chunk in body {
            received += chunk.readableBytes
            guard received <= limit else {
                collected = nil
                guard received <= drainLimit else { throw APIError.payloadTooLarge(limit: limit) }
                continue
            }
            if collected == nil, chunk.readableBytes == capacity || capacity == 0 {
                collected = chunk
                continue
            }
            if collected == nil { collected = ByteBufferAllocator().buffer(capacity: capacity) }
            var chunk = chunk
            collected!.writeBuffer(&chunk)
        }
        guard received <= limit else { throw APIError.payloadTooLarge(limit: limit) }
        return collected ?? ByteBuffer()
    }
}
