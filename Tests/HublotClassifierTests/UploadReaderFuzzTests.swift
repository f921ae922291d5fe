import Foundation
import HublotClassifier
import HublotHTTP
import Hummingbird
import Testing

/// Inputs `make fuzz` found (Fuzz/, docs/fuzzing.md), replayed against the same entry point.
@Suite struct UploadReaderFuzzTests {
    /// FuzzUploadForm's crash through the classifier's parser (the same MultipartKit 4.7.1 parser):
    /// a part header name holding a byte ≥ 0x80 traps (Index out of range) and kills the classifier.
    @Test func aNonASCIIByteInAPartHeaderNameIsABadRequestNotACrash() async {
        await #expect(processExitsWith: .success) {
            let body = Array("--B\r\nContent-Disposition: form-data; name=\"image\"\r\nC".utf8) + [0xFF] + Array(": x\r\n\r\nv\r\n--B--\r\n".utf8)
            let request = Request(
                head: .init(
                    method: .post, scheme: "http", authority: "localhost", path: "/v1/classify",
                    headerFields: [.contentType: "multipart/form-data; boundary=B"]),
                body: RequestBody(buffer: ByteBuffer(bytes: body)))
            do {
                _ = try await UploadReader.image(from: request, maxBytes: 1 << 20)
                exit(2)  // a header name MultipartKit must refuse was accepted
            } catch {
                exit(APIError.from(error).status == .badRequest ? 0 : 3)
            }
        }
    }
}
