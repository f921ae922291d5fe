import HTTPTypes
import Hummingbird
import HublotHTTP
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// A request body of `chunks` that counts the chunks read and may never end.
final class CountingBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private let chunks: [ByteBuffer]
    private let ends: Bool
    private let readCount = Mutex(0)

    init(_ chunks: [ByteBuffer], ends: Bool = true) {
        self.chunks = chunks
        self.ends = ends
    }

    /// How many chunks were read.
    var chunksRead: Int { readCount.withLock { $0 } }

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: CountingBody
        var index = 0

        mutating func next() async throws -> ByteBuffer? {
            guard index < body.chunks.count else {
                if !body.ends { try await Task.sleep(for: .seconds(3600)) }
                return nil
            }
            defer { index += 1 }
            body.readCount.withLock { $0 += 1 }
            return body.chunks[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
}

@Suite struct UnreadBodyDrainMiddlewareTests {
    private let chunks = [ByteBuffer(repeating: 1, count: 600), ByteBuffer(repeating: 2, count: 600)]

    /// A POST with `headers` whose body is `body`.
    private func request(_ body: CountingBody, _ headers: HTTPFields) -> Request {
        let head = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/api/classify", headerFields: headers)
        return Request(head: head, body: RequestBody(asyncSequence: body))
    }

    /// Runs `request` through the middleware to `handler`.
    private func run(
        _ request: Request, limit: Int = 10_000,
        handler: @escaping @Sendable (Request) async throws -> Response = { _ in Response(status: .badRequest) }
    ) async throws -> Response {
        let context = HublotRequestContext(source: .init(channel: EmbeddedChannel(), logger: Logger(label: "test")))
        return try await UnreadBodyDrainMiddleware<HublotRequestContext>(limit: limit, timeout: .seconds(60))
            .handle(request, context: context) { request, _ in try await handler(request) }
    }

    @Test func theUnreadBodyOfAConnectionCloseRequestIsDrainedBeforeTheAnswer() async throws {
        let body = CountingBody(chunks)
        let response = try await run(request(body, [.connection: "close", .contentLength: "1200"]))
        #expect(response.status == .badRequest)
        #expect(body.chunksRead == 2)
    }

    @Test func aChunkedBodyIsDrainedToo() async throws {
        let body = CountingBody(chunks)
        _ = try await run(request(body, [.connection: "close", .transferEncoding: "chunked"]))
        #expect(body.chunksRead == 2)
    }

    @Test func aKeptAliveConnectionIsLeftToHummingbird() async throws {
        let body = CountingBody(chunks)
        _ = try await run(request(body, [.contentLength: "1200"]))
        #expect(body.chunksRead == 0)
    }

    @Test func aBodyDeclaredPastTheLimitIsNotRead() async throws {
        let body = CountingBody(chunks)
        _ = try await run(request(body, [.connection: "close", .contentLength: "1200"]), limit: 1000)
        #expect(body.chunksRead == 0)
    }

    @Test func aBodyTheHandlerStartedReadingIsNotReadAgain() async throws {
        let body = CountingBody(chunks)
        _ = try await run(request(body, [.connection: "close", .contentLength: "1200"])) { request in
            var iterator = request.body.makeAsyncIterator()
            _ = try await iterator.next()
            return Response(status: .badRequest)
        }
        #expect(body.chunksRead == 1)
    }
}

@Suite struct RequestBodyDiscardTests {
    private let chunks = [ByteBuffer(repeating: 1, count: 600), ByteBuffer(repeating: 2, count: 600)]

    @Test func aWholeBodyWithinTheLimitIsDiscarded() async {
        let body = CountingBody(chunks)
        #expect(await RequestBodyReader.discard(RequestBody(asyncSequence: body), limit: 1200, timeout: .seconds(60)))
        #expect(body.chunksRead == 2)
    }

    @Test func theDiscardStopsPastTheLimit() async {
        let body = CountingBody(chunks + chunks)
        #expect(await RequestBodyReader.discard(RequestBody(asyncSequence: body), limit: 1000, timeout: .seconds(60)) == false)
        #expect(body.chunksRead == 2)
    }

    @Test func theDiscardStopsAtTheTimeout() async {
        let body = CountingBody(chunks, ends: false)
        #expect(await RequestBodyReader.discard(RequestBody(asyncSequence: body), limit: 10_000, timeout: .milliseconds(50)) == false)
        #expect(body.chunksRead == 2)
    }
}
