import Hummingbird
import NIOCore

/// Reads a whole request body into one buffer, bounded in size and in time, inside the handler that
/// answers it: the body is never iterated by anything that outlives the handler (Hummingbird reads
/// what is left of the body once the handler has answered, and a second reader of the same
/// connection's stream traps).
public enum RequestBodyReader {
    /// The body of `request`, or an ``APIError``: 413 `payload_too_large` as soon as it passes `limit`
    /// bytes (at once when its `Content-Length` says so), 408 `request_timeout` (with `Connection: close`)
    /// when it has not fully arrived `timeout` after the handler started reading it.
    public static func collect(_ request: Request, limit: Int, timeout: Duration) async throws(APIError) -> ByteBuffer {
        try await collect(
            request.body, declaredLength: request.headers[.contentLength].flatMap { Int($0) }, limit: limit, timeout: timeout)
    }

    /// `body`, whose `Content-Length` was `declared` (if any); see ``collect(_:limit:timeout:)-(Request,_,_)``.
    public static func collect(
        _ body: RequestBody, declaredLength declared: Int?, limit: Int, timeout: Duration
    ) async throws(APIError) -> ByteBuffer {
        if let declared, declared > limit { throw APIError.payloadTooLarge(limit: limit) }
        do {
            return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await Self.read(body, capacity: min(declared ?? 0, limit), limit: limit) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let buffer = first else {
                    throw APIError.requestTimeout(after: timeout)
                }
                return buffer
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("the request body could not be read")
        }
    }

    /// Reads `body` into one buffer of `capacity` bytes reserved up front (no reallocation when the
    /// length was declared); a body that arrives as one chunk is kept as is.
    private static func read(_ body: RequestBody, capacity: Int, limit: Int) async throws -> ByteBuffer {
        var collected: ByteBuffer?
        for try await chunk in body {
            let received = (collected?.readableBytes ?? 0) + chunk.readableBytes
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
