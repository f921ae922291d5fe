import Hummingbird
import NIOCore

/// Reads a whole request body into one buffer, bounded in size and in time, inside the handler that
/// answers it: the body is never iterated by anything that outlives the handler (Hummingbird reads
/// what is left of the body once the handler has answered, and a second reader of the same
/// connection's stream traps).
///
/// A body past the limit is refused with 413 as soon as that is known. What is left of it is read and
/// dropped after the answer: by Hummingbird before the next request of a kept-alive connection, by
/// ``LingeringCloseHandler`` when the connection closes after the answer.
public enum RequestBodyReader {
    /// The body of `request`, or an ``APIError``: 413 `payload_too_large` when it passes `limit` bytes (at
    /// once when its `Content-Length` says so), 408 `request_timeout` (with `Connection: close`) when it has
    /// not fully arrived `timeout` after the handler started reading it.
    public static func collect(_ request: Request, limit: Int, timeout: Duration) async throws(APIError) -> ByteBuffer {
        try await collect(request.body, declaredLength: request.headers[.contentLength].flatMap { Int($0) }, limit: limit, timeout: timeout)
    }

    /// `body`, whose `Content-Length` was `declared` (if any); see ``collect(_:limit:timeout:)-(Request,_,_)``.
    public static func collect(
        _ body: RequestBody, declaredLength declared: Int?, limit: Int, timeout: Duration
    ) async throws(APIError) -> ByteBuffer {
        if let declared, declared > limit { throw APIError.payloadTooLarge(limit: limit) }
        do {
            guard
                let buffer = try await within(timeout, {
                    try await Self.read(body, capacity: min(declared ?? 0, limit), limit: limit)
                })
            else { throw APIError.requestTimeout(after: timeout) }
            return buffer
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("the request body could not be read")
        }
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
    /// length was declared); a body that arrives as one chunk is kept as is. Past `limit`, 413.
    private static func read(_ body: RequestBody, capacity: Int, limit: Int) async throws -> ByteBuffer {
        var collected: ByteBuffer?
        var received = 0
        for try await chunk in body {
            received += chunk.readableBytes
            guard received <= limit else { throw APIError.payloadTooLarge(limit: limit) }
            if collected == nil, chunk.readableBytes == capacity || capacity == 0 {
                collected = chunk
                continue
            }
            if collected == nil { collected = ByteBufferAllocator().buffer(capacity: capacity) }
            var chunk = chunk
            collected!.writeBuffer(&chunk)
        }
        return collected ?? ByteBuffer()
    }
}
