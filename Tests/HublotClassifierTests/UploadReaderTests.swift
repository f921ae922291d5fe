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

    /// A multipart request whose parts are `parts` (name, file name, content type, bytes), complete or cut short.
    private func multipartRequest(_ parts: [(String, String?, String?, [UInt8])], complete: Bool = true) -> Request {
        var body = ByteBuffer()
        for (name, fileName, type, bytes) in parts {
            body.writeString("--b0undary\r\nContent-Disposition: form-data; name=\"\(name)\"")
            if let fileName { body.writeString("; filename=\"\(fileName)\"") }
            body.writeString("\r\n")
            if let type { body.writeString("Content-Type: \(type)\r\n") }
            body.writeString("\r\n")
            body.writeBytes(bytes)
            body.writeString("\r\n")
        }
        if complete { body.writeString("--b0undary--\r\n") }
        return Request(
            head: .init(
                method: .post, scheme: "http", authority: "localhost", path: "/v1/classify",
                headerFields: [.contentType: "multipart/form-data; boundary=b0undary"]),
            body: RequestBody(buffer: body))
    }

    @Test("a file name holding ';' and 'name=' does not hide or rename the image part")
    func quotedFileName() async throws {
        let request = multipartRequest([
            ("note", nil, nil, Array("x".utf8)),
            ("image", "a; name=\\\"note\\\"; b.jpg", "image/jpeg", [1, 2, 3]),
        ])
        #expect(try await UploadReader.image(from: request, maxBytes: 1000) == [1, 2, 3])
    }

    @Test("a form without an image part, or whose image part is cut short, is a bad request")
    func missingImagePart() async throws {
        await #expect(throws: APIError.self) {
            _ = try await UploadReader.image(from: multipartRequest([("note", nil, nil, [1])]), maxBytes: 1000)
        }
        let cut = multipartRequest([("image", "cat.jpg", "image/jpeg", [1, 2, 3])], complete: false)
        let error = await #expect(throws: APIError.self) { _ = try await UploadReader.image(from: cut, maxBytes: 1000) }
        #expect(error?.code == .badRequest)
    }

    @Test("an image part of another type is refused with 415; a form past the limit with 413")
    func imagePartTypeAndLimit() async throws {
        await #expect(throws: APIError.unsupportedMediaType(
            "the 'image' part's Content-Type text/plain is not supported; send image/jpeg or image/png (or multipart/form-data with an 'image' part)")
        ) {
            _ = try await UploadReader.image(from: multipartRequest([("image", "a.txt", "text/plain", [1])]), maxBytes: 1000)
        }
        await #expect(throws: APIError.payloadTooLarge(limit: 100)) {
            _ = try await UploadReader.image(
                from: multipartRequest([("image", "a.jpg", "image/jpeg", [UInt8](repeating: 1, count: 200))]), maxBytes: 100)
        }
    }

    @Test("a body that stops arriving is answered 408 and the connection closes")
    func stalledBody() async throws {
        let (body, source) = RequestBody.makeStream()
        await source.yield(ByteBuffer(repeating: 0xAB, count: 10))
        let request = Request(
            head: .init(
                method: .post, scheme: "http", authority: "localhost", path: "/v1/classify",
                headerFields: [.contentType: "image/jpeg", .contentLength: "100"]),
            body: body)
        let error = await #expect(throws: APIError.self) {
            _ = try await UploadReader.image(from: request, maxBytes: 1000, timeout: .milliseconds(50))
        }
        #expect(error?.status == .requestTimeout)
        #expect(error?.headers[.connection] == "close")
        source.finish()
    }
}
