import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// A `multipart/form-data` body, parsed by MultipartKit from one collected buffer; both servers read
/// their upload forms with it. Only complete parts are kept (a truncated last part is dropped).
public struct MultipartFormData: Sendable {
    /// One part of the form.
    public struct Part: Sendable {
        /// Its `Content-Disposition` (field name, file name).
        public var disposition: ContentDisposition
        /// Its `Content-Type`, when it has one.
        public var contentType: String?
        /// Its bytes.
        public var body: ByteBuffer
    }

    /// The complete parts, in the order they came.
    public var parts: [Part]

    /// Parses `body`, a `multipart/form-data` body whose `Content-Type` is `contentType`; 400 `bad_request`
    /// when the type has no boundary or the body is malformed.
    public init(body: ByteBuffer, contentType: String) throws(APIError) {
        guard let boundary = Self.boundary(of: contentType) else {
            throw APIError.badRequest("expected a multipart/form-data body with a boundary parameter")
        }
        guard !Self.hasNonASCIIHeaderName(body, boundary: boundary) else {
            throw APIError.badRequest("malformed multipart/form-data body: a part header name is not ASCII")
        }
        var parts: [Part] = []
        var headers: [(name: String, value: String)] = []
        var current = ByteBuffer()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers.append((name.lowercased(), value)) }
        parser.onBody = { chunk in
            if current.readableBytes == 0 { swap(&current, &chunk) } else { current.writeBuffer(&chunk) }
        }
        parser.onPartComplete = {
            let disposition = headers.first { $0.name == "content-disposition" }?.value ?? ""
            parts.append(
                Part(
                    disposition: ContentDisposition(parsing: disposition),
                    contentType: headers.first { $0.name == "content-type" }?.value, body: current))
            headers = []
            current = ByteBuffer()
        }
        do { try parser.execute(body) } catch { throw APIError.badRequest("malformed multipart/form-data body") }
        self.parts = parts
    }

    /// Whether a part header NAME of `body` holds a byte ≥ 0x80. MultipartKit 4.7.1 looks each byte of a
    /// header name up in a 128-entry table (`isAllowedHeaderFieldNameCharacter`), so such a byte traps and
    /// the process dies (found by `make fuzz`, FuzzUploadForm): such bodies never reach its parser.
    /// Walks the header lines that follow each `--boundary` CRLF as the parser does; header VALUES may
    /// hold UTF-8 (browsers send file names that way).
    static func hasNonASCIIHeaderName(_ body: ByteBuffer, boundary: String) -> Bool {
        let bytes = body.readableBytesView
        let delimiter = Array("--\(boundary)".utf8)
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), colon = UInt8(ascii: ":")
        var search = bytes.startIndex
        while search < bytes.endIndex, let first = bytes[search...].firstIndex(of: delimiter[0]) {
            search = first + 1
            guard bytes.endIndex - first >= delimiter.count, bytes[first..<first + delimiter.count].elementsEqual(delimiter)
            else { continue }
            var index = first + delimiter.count
            guard index + 1 < bytes.endIndex, bytes[index] == cr, bytes[index + 1] == lf else { continue }
            index += 2
            // Header lines until an empty one: NAME ':' VALUE CR LF.
            while index < bytes.endIndex, bytes[index] != cr {
                while index < bytes.endIndex, bytes[index] != colon, bytes[index] != cr {
                    if bytes[index] >= 0x80 { return true }
                    index += 1
                }
                guard let end = bytes[index...].firstIndex(of: cr), end + 1 < bytes.endIndex, bytes[end + 1] == lf else {
                    break
                }
                index = end + 2
            }
        }
        return false
    }

    /// The first part of the field `name`.
    public func first(named name: String) -> Part? {
        parts.first { $0.disposition.name == name }
    }

    /// Every part of the field `name`, in order.
    public func all(named name: String) -> [Part] {
        parts.filter { $0.disposition.name == name }
    }

    /// Whether `contentType` is `multipart/form-data` (any parameters).
    public static func isMultipart(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        return Self.pieces(of: contentType).first?.lowercased() == "multipart/form-data"
    }

    /// The `boundary` parameter of a `multipart/form-data` content type (quoted or not, among any parameters).
    public static func boundary(of contentType: String) -> String? {
        let pieces = Self.pieces(of: contentType)
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            var value = piece.dropFirst("boundary=".count)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = value.dropFirst().dropLast() }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    /// The `;`-separated pieces of a content type, trimmed (a boundary cannot contain `;`, RFC 2046).
    private static func pieces(of contentType: String) -> [String] {
        contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
