import Foundation
import Hummingbird
import HublotHTTP
import NIOCore

/// Reads the image out of a classify request, in memory only (never written to disk): a raw
/// `image/jpeg` / `image/png` / `application/octet-stream` body, or the `image` part of a
/// `multipart/form-data` body (HublotHTTP's ``MultipartFormData``, shared with the front).
///
/// The body is read whole by HublotHTTP's ``RequestBodyReader``, bounded in size (an announced
/// `Content-Length` over the limit is refused before reading anything, a streamed body as soon as it
/// passes the limit) and in time (408 when it stops arriving).
public enum UploadReader {
    /// Media types accepted for a raw body or an `image` part.
    public static let acceptedImageTypes = ["image/jpeg", "image/jpg", "image/pjpeg", "image/png", "application/octet-stream"]

    /// How long a body may take to arrive when the caller does not say.
    public static let defaultTimeout = Duration.seconds(ClassifierConfiguration.defaultBodyTimeoutSeconds)

    /// The image bytes of `request`, or an ``APIError`` (400, 408, 413, 415).
    public static func image(from request: Request, maxBytes: Int, timeout: Duration = defaultTimeout) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes {
            // Throws 413 (after reading the rest of a `Connection: close` body, see RequestBodyReader).
            _ = try await RequestBodyReader.collect(request, limit: maxBytes, timeout: timeout)
        }
        guard let contentType = request.headers[.contentType], let mediaType = MediaType(from: contentType) else {
            throw APIError.unsupportedMediaType(
                "send the image as the body with Content-Type image/jpeg or image/png, or as the 'image' part of multipart/form-data")
        }
        if mediaType.isType(.multipartForm) {
            guard MultipartFormData.boundary(of: contentType) != nil else {
                throw APIError.badRequest("multipart/form-data without a boundary parameter")
            }
            let body = try await RequestBodyReader.collect(request, limit: maxBytes, timeout: timeout)
            return try self.multipartImage(MultipartFormData(body: body, contentType: contentType))
        }
        try self.checkImageType(mediaType, what: "Content-Type")
        let bytes = try await RequestBodyReader.collect(request, limit: maxBytes, timeout: timeout)
        guard bytes.readableBytes > 0 else { throw APIError.badRequest("the request body is empty; send an image") }
        return Array(bytes.readableBytesView)
    }

    /// Throws 415 unless `mediaType` is an accepted image type.
    static func checkImageType(_ mediaType: MediaType, what: String) throws {
        let name = "\(mediaType.type)/\(mediaType.subType)".lowercased()
        guard self.acceptedImageTypes.contains(name) else {
            throw APIError.unsupportedMediaType(
                "\(what) \(name) is not supported; send image/jpeg or image/png (or multipart/form-data with an 'image' part)")
        }
    }

    /// Reads the whole body, failing with 413 as soon as it passes `maxBytes` and 408 when it stops arriving.
    public static func collect(_ body: RequestBody, maxBytes: Int, timeout: Duration = defaultTimeout) async throws -> [UInt8] {
        let bytes = try await RequestBodyReader.collect(body, declaredLength: nil, limit: maxBytes, timeout: timeout)
        return Array(bytes.readableBytesView)
    }

    /// The `image` part of a form: its bytes, once its type is checked.
    static func multipartImage(_ form: MultipartFormData) throws -> [UInt8] {
        guard let part = form.first(named: "image") else {
            throw APIError.badRequest("the multipart/form-data body has no complete 'image' part")
        }
        if let type = part.contentType {
            guard let mediaType = MediaType(from: type) else {
                throw APIError.unsupportedMediaType("the 'image' part has an unreadable Content-Type '\(type)'")
            }
            try self.checkImageType(mediaType, what: "the 'image' part's Content-Type")
        }
        guard part.body.readableBytes > 0 else { throw APIError.badRequest("the 'image' part is empty; send an image") }
        return Array(part.body.readableBytesView)
    }
}
