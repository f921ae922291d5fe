import HTTPTypes
import Hummingbird
import HublotHTTP
import NIOCore
import Testing

@Suite struct RequestBodyReaderTests {
    /// A POST whose body is `chunks`, then ends (or never ends when `ends` is false).
    private func request(_ chunks: [ByteBuffer], contentLength: Int? = nil, ends: Bool = true) -> Request {
        var head = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/api/classify")
        if let contentLength { head.headerFields[.contentLength] = String(contentLength) }
        let stream = AsyncStream<ByteBuffer> { continuation in
            chunks.forEach { continuation.yield($0) }
            if ends { continuation.finish() }
        }
        return Request(head: head, body: RequestBody(asyncSequence: stream))
    }

    @Test func aBodyInSeveralChunksIsCollectedWhole() async throws {
        let chunks = [ByteBuffer(repeating: 1, count: 600), ByteBuffer(repeating: 2, count: 600)]
        let body = try await RequestBodyReader.collect(request(chunks, contentLength: 1200), limit: 2000, timeout: .seconds(60))
        #expect(body == ByteBuffer(bytes: [UInt8](repeating: 1, count: 600) + [UInt8](repeating: 2, count: 600)))
    }

    @Test func aBodyPastTheLimitIsRefusedWith413() async {
        let chunks = [ByteBuffer(repeating: 1, count: 600), ByteBuffer(repeating: 2, count: 600)]
        await #expect(throws: APIError.payloadTooLarge(limit: 1000)) {
            try await RequestBodyReader.collect(request(chunks), limit: 1000, timeout: .seconds(60))
        }
    }

    @Test func aDeclaredLengthPastTheLimitIsRefusedBeforeReading() async {
        await #expect(throws: APIError.payloadTooLarge(limit: 1000)) {
            try await RequestBodyReader.collect(request([], contentLength: 5000, ends: false), limit: 1000, timeout: .seconds(60))
        }
    }

    @Test func aBodyThatStopsArrivingIsAnsweredWith408AndClosesTheConnection() async {
        let error = await #expect(throws: APIError.self) {
            try await RequestBodyReader.collect(
                request([ByteBuffer(repeating: 1, count: 10)], contentLength: 100, ends: false), limit: 1000,
                timeout: .milliseconds(50))
        }
        #expect(error?.status == .requestTimeout)
        #expect(error?.code == .requestTimeout)
        #expect(error?.headers[.connection] == "close")
    }
}
