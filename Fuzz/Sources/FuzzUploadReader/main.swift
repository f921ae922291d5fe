import Foundation
import FuzzDriver
import HublotClassifier
import Hummingbird
import NIOCore

/// libFuzzer entry point: the classifier's upload parsing, `UploadReader.image(from:maxBytes:)`
/// (raw body or the `image` part of `multipart/form-data`), on a request built from the input:
///
///     byte 0          body chunk size: 1 + byte (the body streams in as several chunks)
///     up to '\n'      the Content-Type header value
///     the rest        the body
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzUploadReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let input = FuzzRequest(LibFuzzer.bytes(data, size)) else { return 0 }
    let request = input.request(path: "/v1/models/fuzz/classify")
    LibFuzzer.wait { _ = try? await UploadReader.image(from: request, maxBytes: FuzzRequest.maxBytes) }
    return 0
}

/// A request decoded from fuzzer bytes.
struct FuzzRequest {
    /// The body limit the harness passes: small, so that the 413 path is reached too.
    static let maxBytes = 64 << 10

    let chunkSize: Int
    let contentType: String
    let body: [UInt8]

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return nil }
        let rest = bytes.dropFirst()
        let newline = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
        self.chunkSize = Int(first) + 1
        self.contentType = String(decoding: rest[rest.startIndex..<newline], as: UTF8.self)
        self.body = newline < rest.endIndex ? Array(rest[(newline + 1)...]) : []
    }

    /// A POST with the Content-Type header and the body as a stream of `chunkSize`-byte chunks.
    func request(path: String) -> Request {
        var fields = HTTPFields()
        if !contentType.isEmpty { fields[.contentType] = contentType }
        let head = HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: path, headerFields: fields)
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        var offset = 0
        while offset < body.count {
            let end = min(offset + chunkSize, body.count)
            continuation.yield(ByteBuffer(bytes: body[offset..<end]))
            offset = end
        }
        continuation.finish()
        return Request(head: head, body: RequestBody(asyncSequence: stream))
    }
}

LibFuzzer.main(fuzzUploadReader)
