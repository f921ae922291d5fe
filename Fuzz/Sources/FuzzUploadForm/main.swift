import Foundation
import FuzzDriver
import HublotFront
import NIOCore

/// libFuzzer entry point: the front's form parsing, `UploadForm(body:contentType:)` (multipart
/// parts, Content-Disposition parameters), on an input made of:
///
///     up to '\n'      the Content-Type header value
///     the rest        the body
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzUploadForm(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = LibFuzzer.bytes(data, size)
    let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
    let contentType = String(decoding: bytes[..<newline], as: UTF8.self)
    let body = ByteBuffer(bytes: newline < bytes.endIndex ? Array(bytes[(newline + 1)...]) : [])
    guard let form = try? UploadForm(body: body, contentType: contentType) else { return 0 }
    _ = form.image?.fileName.utf8.count
    _ = form.models.count
    return 0
}

LibFuzzer.main(fuzzUploadForm)
