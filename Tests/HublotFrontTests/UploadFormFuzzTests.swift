import Foundation
import NIOCore
import Testing

@testable import HublotFront

/// Inputs `make fuzz` found (Fuzz/, docs/fuzzing.md), replayed against the same entry point.
@Suite struct UploadFormFuzzTests {
    /// FuzzUploadForm crash: MultipartKit 4.7.1's `isAllowedHeaderFieldNameCharacter` indexes a
    /// 128-entry table with the byte, so a part header name holding a byte ≥ 0x80 traps
    /// (Index out of range): the whole front process dies on one request.
    @Test func aNonASCIIByteInAPartHeaderNameIsABadRequestNotACrash() async {
        await #expect(processExitsWith: .success) {
            let body = ByteBuffer(bytes: Array("--B\r\nContent-Disposition: form-data; name=\"image\"\r\nC".utf8) + [0xFF] + Array(": x\r\n\r\nv\r\n--B--\r\n".utf8))
            do {
                _ = try UploadForm(body: body, contentType: "multipart/form-data; boundary=B")
                exit(2)  // a header name MultipartKit must refuse was accepted
            } catch {
                exit((error as? GatewayError)?.status == .badRequest ? 0 : 3)
            }
        }
    }
}
