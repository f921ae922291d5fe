import Foundation
import MultipartKit
import NIOCore

/// The fields of the site's upload forms (`POST /classify`, `POST /compare`), parsed from `multipart/form-data`.
/// The image stays in memory; nothing is ever written to disk.
public struct UploadForm: Sendable {
    /// The uploaded file.
    public struct Image: Sendable {
        /// The file name the browser sent (untrusted: always HTML-escaped when shown).
        public var fileName: String
        /// The content type the browser sent.
        public var contentType: String
        /// The bytes.
        public var bytes: ByteBuffer
    }

    /// The image, when one was chosen.
    public var image: Image?
    /// The chosen models (one on the home page, several on the compare page).
    public var models: [String]

    /// Parses a complete multipart body.
    public init(body: ByteBuffer, contentType: String) throws(GatewayError) {
        guard let boundary = Self.boundary(of: contentType) else {
            throw GatewayError(status: .badRequest, code: "bad_request", message: "Expected a multipart/form-data body.")
        }
        var parts: [MultipartPart] = []
        var current = MultipartPart(body: ByteBuffer())
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in current.headers.add(name: name, value: value) }
        parser.onBody = { chunk in current.body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.append(current)
            current = MultipartPart(body: ByteBuffer())
        }
        do { try parser.execute(body) } catch {
            throw GatewayError(status: .badRequest, code: "bad_request", message: "The form could not be read.")
        }

        var image: Image?
        var models: [String] = []
        for part in parts {
            let disposition = Self.dispositionParameters(part.headers.first(name: "Content-Disposition") ?? "")
            switch disposition["name"] {
            case "image":
                let fileName = disposition["filename"] ?? ""
                guard part.body.readableBytes > 0 || !fileName.isEmpty else { continue }
                image = Image(
                    fileName: fileName,
                    contentType: part.headers.first(name: "Content-Type") ?? "application/octet-stream",
                    bytes: part.body)
            case "model":
                let name = String(buffer: part.body).trimmingCharacters(in: .whitespacesAndNewlines)
                if !name.isEmpty, !models.contains(name) { models.append(name) }
            default:
                continue
            }
        }
        self.image = image
        self.models = models
    }

    /// The `boundary` parameter of a `multipart/form-data` content type.
    static func boundary(of contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            let value = piece.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// The parameters of a `Content-Disposition` header (`form-data; name="image"; filename="a;b.jpg"`),
    /// honouring quotes so that file names may contain `;`, `=` or `"` (escaped as `\"`).
    static func dispositionParameters(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        var index = header.startIndex
        func skipSpaces() {
            while index < header.endIndex, header[index] == " " || header[index] == "\t" { index = header.index(after: index) }
        }
        // Skip the disposition type.
        while index < header.endIndex, header[index] != ";" { index = header.index(after: index) }
        while index < header.endIndex {
            index = header.index(after: index)  // past ';'
            skipSpaces()
            var key = ""
            while index < header.endIndex, header[index] != "=", header[index] != ";" {
                key.append(header[index])
                index = header.index(after: index)
            }
            var value = ""
            if index < header.endIndex, header[index] == "=" {
                index = header.index(after: index)
                if index < header.endIndex, header[index] == "\"" {
                    index = header.index(after: index)
                    while index < header.endIndex, header[index] != "\"" {
                        if header[index] == "\\", header.index(after: index) < header.endIndex {
                            index = header.index(after: index)
                        }
                        value.append(header[index])
                        index = header.index(after: index)
                    }
                    if index < header.endIndex { index = header.index(after: index) }
                    while index < header.endIndex, header[index] != ";" { index = header.index(after: index) }
                } else {
                    while index < header.endIndex, header[index] != ";" {
                        value.append(header[index])
                        index = header.index(after: index)
                    }
                }
            }
            let name = key.trimmingCharacters(in: .whitespaces).lowercased()
            if !name.isEmpty { result[name] = value.trimmingCharacters(in: .whitespaces) }
        }
        return result
    }
}
