import Foundation
import HublotHTTP
import NIOCore

/// The fields of the site's upload forms (`POST /classify`, `POST /compare`), read from a collected
/// `multipart/form-data` body with HublotHTTP's ``MultipartFormData``. Nothing is ever written to disk.
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

    /// The most models one form may ask for (the compare page); more are refused with 400.
    public static let maxModels = 8

    /// The image, when one was chosen.
    public var image: Image?
    /// The chosen models (one on the home page, several on the compare page), without repeats.
    public var models: [String]

    /// Parses a complete multipart body; 400 when it is not one or asks for more than ``maxModels`` models.
    public init(body: ByteBuffer, contentType: String) throws(APIError) {
        let form = try MultipartFormData(body: body, contentType: contentType)
        self.image = form.first(named: "image").flatMap { part in
            let fileName = part.disposition.fileName ?? ""
            guard part.body.readableBytes > 0 || !fileName.isEmpty else { return nil }
            return Image(fileName: fileName, contentType: part.contentType ?? "application/octet-stream", bytes: part.body)
        }
        var models: [String] = []
        for part in form.all(named: "model") {
            let name = String(buffer: part.body).trimmingCharacters(in: .whitespacesAndNewlines)
            if !name.isEmpty, !models.contains(name) { models.append(name) }
            guard models.count <= Self.maxModels else { throw APIError.tooManyModels(limit: Self.maxModels) }
        }
        self.models = models
    }
}
