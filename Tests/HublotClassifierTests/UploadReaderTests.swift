import Foundation
import HublotClassifier
import HublotHTTP
import Hummingbird
import Testing

/// The body limit is enforced while reading.
@Suite("UploadReader", .timeLimit(.minutes(1)))
struct UploadReaderTests {
    @Test("an endless body is refused with 413 once it passes the limit (it is never buffered whole)")
    func endlessBody() async throws {
        let (body, source) = RequestBody.makeStream()
        let producer = Task {
            // Far more than the limit; the reader must give up long before the end.
            for _ in 0..<100_000 {
                if Task.isCancelled { break }
                await source.yield(ByteBuffer(repeating: 0xAB, count: 64 * 1024))
            }
            source.finish()
        }
        defer { producer.cancel() }
        let request = Request(
            head: .init(method: .post, scheme: "http", authority: "localhost", path: "/v1/classify", headerFields: [.contentType: "image/jpeg"]),
            body: body)
        await #expect(throws: APIError.payloadTooLarge(limit: 1_000_000)) {
            _ = try await UploadReader.image(from: request, maxBytes: 1_000_000)
        }
    }

    @Test("a body within the limit is read whole, in memory")
    func withinLimit() async throws {
        let request = Request(
            head: .init(method: .post, scheme: "http", authority: "localhost", path: "/", headerFields: [.contentType: "image/png"]),
            body: RequestBody(buffer: ByteBuffer(bytes: [1, 2, 3])))
        #expect(try await UploadReader.image(from: request, maxBytes: 3) == [1, 2, 3])
    }
}
