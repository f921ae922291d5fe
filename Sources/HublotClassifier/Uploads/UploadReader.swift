import Foundation
import Hummingbird
import HublotHTTP
import MultipartKit

/// Reads the image out of a classify request, in memory only (never written to disk):
/// a raw `image/jpeg` / `image/png` / `application/octet-stream` body, or the `image` part of a
/// `multipart/form-data` body (parsed as it streams in, other parts are discarded).
///
/// The body limit is enforced while reading: an announced `Content-Length` over the limit is refused
/// before reading anything, and a streamed body is refused as soon as it passes the limit.
public enum UploadReader {
    /// Media types accepted for a raw body or an `image` part.
    public static let acceptedImageTypes = ["image/jpeg", "image/jpg", "image/pjpeg", "image/png", "application/octet-stream"]

    /// The image bytes of `request`, or an ``APIError`` (400, 413, 415).
    public static func image(from request: Request, maxBytes: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes {
            throw APIError.payloadTooLarge(limit: maxBytes)
        }
        guard let contentType = request.headers[.contentType], let mediaType = MediaType(from: contentType) else {
            throw APIError.unsupportedMediaType(
                "send the image as the body with Content-Type image/jpeg or image/png, or as the 'image' part of multipart/form-data")
        }
        if mediaType.isType(.multipartForm) {
            guard let boundary = mediaType.parameter, boundary.name.lowercased() == "boundary", !boundary.value.isEmpty else {
                throw APIError.badRequest("multipart/form-data without a boundary parameter")
            }
            return try await self.multipartImage(request.body, boundary: boundary.value, maxBytes: maxBytes)
        }
        try self.checkImageType(mediaType, what: "Content-Type")
        let bytes = try await self.collect(request.body, maxBytes: maxBytes)
        guard !bytes.isEmpty else { throw APIError.badRequest("the request body is empty; send an image") }
        return bytes
    }

    /// Throws 415 unless `mediaType` is an accepted image type.
    static func checkImageType(_ mediaType: MediaType, what: String) throws {
        let name = "\(mediaType.type)/\(mediaType.subType)".lowercased()
        guard self.acceptedImageTypes.contains(name) else {
            throw APIError.unsupportedMediaType(
                "\(what) \(name) is not supported; send image/jpeg or image/png (or multipart/form-data with an 'image' part)")
        }
    }

    /// Reads the whole body, failing with 413 as soon as it passes `maxBytes`.
    static func collect(_ body: RequestBody, maxBytes: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in body {
            guard bytes.count + chunk.readableBytes <= maxBytes else { throw APIError.payloadTooLarge(limit: maxBytes) }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }

    /// Streams a multipart body through MultipartKit's parser, keeping only the `image` part.
    static func multipartImage(_ body: RequestBody, boundary: String, maxBytes: Int) async throws -> [UInt8] {
        let collector = PartCollector()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.header(name: name, value: value) }
        parser.onBody = { buffer in collector.body(&buffer) }
        parser.onPartComplete = { collector.partComplete() }
        var total = 0
        for try await chunk in body {
            total += chunk.readableBytes
            guard total <= maxBytes else { throw APIError.payloadTooLarge(limit: maxBytes) }
            do {
                try parser.execute(chunk)
            } catch {
                throw APIError.badRequest("malformed multipart/form-data body")
            }
        }
        guard collector.sawImagePart, let image = collector.image else {
            throw APIError.badRequest("the multipart/form-data body has no complete 'image' part")
        }
        if let type = collector.imageContentType {
            guard let mediaType = MediaType(from: type) else {
                throw APIError.unsupportedMediaType("the 'image' part has an unreadable Content-Type '\(type)'")
            }
            try self.checkImageType(mediaType, what: "the 'image' part's Content-Type")
        }
        guard !image.isEmpty else { throw APIError.badRequest("the 'image' part is empty; send an image") }
        return image
    }
}

/// Keeps the `image` part of a multipart body while MultipartKit parses it (one request, one task).
private final class PartCollector {
    private var headers: [(String, String)] = []
    private var inImagePart = false
    private var current: [UInt8] = []
    private(set) var image: [UInt8]?
    private(set) var imageContentType: String?
    private(set) var sawImagePart = false

    func header(name: String, value: String) {
        self.headers.append((name.lowercased(), value))
        if name.lowercased() == "content-disposition", Self.partName(value) == "image", self.image == nil {
            self.inImagePart = true
            self.sawImagePart = true
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        guard self.inImagePart else { return }
        self.current.append(contentsOf: buffer.readableBytesView)
    }

    func partComplete() {
        if self.inImagePart {
            self.image = self.current
            self.imageContentType = self.headers.first { $0.0 == "content-type" }?.1
        }
        self.inImagePart = false
        self.current = []
        self.headers = []
    }

    /// The `name` parameter of a `Content-Disposition: form-data; name="…"` value.
    static func partName(_ disposition: String) -> String? {
        for parameter in disposition.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "name" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
