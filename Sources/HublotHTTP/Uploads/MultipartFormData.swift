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
