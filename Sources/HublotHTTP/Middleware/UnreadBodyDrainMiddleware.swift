import Hummingbird
import NIOCore
import Synchronization

/// Reads and discards the body of a `Connection: close` request that was answered without reading it (an
/// unknown model, a wrong `Content-Type`, a bad parameter, a spent upload budget, …), before the answer
/// is sent.
///
/// Hummingbird reads what is left of an answered body before the next request of a kept-alive
/// connection, but not when the request said `Connection: close`: a client that sends its whole body
/// before reading the answer would then block on a server that reads no more, until the head timeout
/// closes the connection. The drain is bounded like ``RequestBodyReader``'s drain of a refused body: at
/// most `limit` bytes (a body declared larger is not read at all) and `timeout`. A body the handler started
/// reading is left alone (its reader answers for it: ``RequestBodyReader`` drains a refused body itself).
public struct UnreadBodyDrainMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The most bytes read and discarded.
    public let limit: Int
    /// The longest the drain lasts.
    public let timeout: Duration

    /// Creates the middleware.
    public init(limit: Int, timeout: Duration) {
        self.limit = limit
        self.timeout = timeout
    }

    /// Runs the chain with the body watched; drains it when the answer leaves it unread.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.headers[.connection] == "close", Self.hasBody(request), (Self.declaredLength(request) ?? 0) <= limit else {
            return try await next(request, context)
        }
        let body = request.body
        let watched = WatchedBody(body)
        var request = request
        request.body = RequestBody(asyncSequence: watched)
        let response = try await next(request, context)
        if !watched.wasRead {
            await RequestBodyReader.discard(body, limit: limit, timeout: timeout)
        }
        return response
    }

    /// Whether the request announces a body (a non-zero `Content-Length` or a `Transfer-Encoding`).
    static func hasBody(_ request: Request) -> Bool {
        if let length = declaredLength(request) { return length > 0 }
        return request.headers[.transferEncoding] != nil
    }

    /// The request's `Content-Length`, if any.
    static func declaredLength(_ request: Request) -> Int? {
        request.headers[.contentLength].flatMap { Int($0) }
    }
}

/// A request body that records whether anyone started reading it.
private final class WatchedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private let base: RequestBody
    private let read = Mutex(false)

    init(_ base: RequestBody) {
        self.base = base
    }

    /// Whether an iterator was made.
    var wasRead: Bool { read.withLock { $0 } }

    func makeAsyncIterator() -> RequestBody.AsyncIterator {
        read.withLock { $0 = true }
        return base.makeAsyncIterator()
    }
}
