import Foundation
import Hummingbird

/// A user-facing HTTP error, answered as JSON `{"error": {"code": "…", "message": "…"}}` with its status
/// (and extra headers such as `Retry-After`). Throw it from a route; ``JSONErrorMiddleware`` and
/// Hummingbird both render it through `response(from:context:)`.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    /// The HTTP status of the response.
    public let status: HTTPResponse.Status
    /// The stable, machine-readable error code.
    public let code: Code
    /// A human-readable explanation.
    public let message: String
    /// Extra response headers (for example `Retry-After`).
    public let headers: HTTPFields

    /// Creates an error; prefer the named constructors below.
    public init(status: HTTPResponse.Status, code: Code, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// A stable error code (the `error.code` field).
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The code as sent on the wire.
        public let rawValue: String
        /// Wraps a code string.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The raw code.
        public var description: String { self.rawValue }

        /// 400: malformed request or parameter.
        public static let badRequest = Code(rawValue: "bad_request")
        /// 404: no such route.
        public static let notFound = Code(rawValue: "not_found")
        /// 404: no such model.
        public static let unknownModel = Code(rawValue: "unknown_model")
        /// 405: route exists, method does not.
        public static let methodNotAllowed = Code(rawValue: "method_not_allowed")
        /// 413: body over the limit.
        public static let payloadTooLarge = Code(rawValue: "payload_too_large")
        /// 415: content type not accepted.
        public static let unsupportedMediaType = Code(rawValue: "unsupported_media_type")
        /// 422: the bytes are not a decodable image.
        public static let invalidImage = Code(rawValue: "invalid_image")
        /// 422: the image has more pixels than allowed.
        public static let tooManyPixels = Code(rawValue: "too_many_pixels")
        /// 503: the model is loading or failed.
        public static let modelNotReady = Code(rawValue: "model_not_ready")
        /// 503: the queue is full; retry later.
        public static let overloaded = Code(rawValue: "overloaded")
        /// 500: unexpected server error.
        public static let `internal` = Code(rawValue: "internal")
        /// Any other status mapped from a framework error.
        public static let httpError = Code(rawValue: "http_error")
    }

    /// 400 `bad_request`.
    public static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: .badRequest, message: message)
    }
    /// 404 `unknown_model`, naming the models that exist.
    public static func unknownModel(_ name: String, available: [String]) -> APIError {
        APIError(
            status: .notFound, code: .unknownModel,
            message: "unknown model '\(name)'; available models: \(available.joined(separator: ", "))")
    }
    /// 413 `payload_too_large`.
    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: .payloadTooLarge, message: "request body is larger than the limit of \(limit) bytes")
    }
    /// 415 `unsupported_media_type`.
    public static func unsupportedMediaType(_ message: String) -> APIError {
        APIError(status: .unsupportedMediaType, code: .unsupportedMediaType, message: message)
    }
    /// 422 `invalid_image`.
    public static func invalidImage(_ message: String) -> APIError {
        APIError(status: .unprocessableContent, code: .invalidImage, message: message)
    }
    /// 422 `too_many_pixels`.
    public static func tooManyPixels(_ message: String) -> APIError {
        APIError(status: .unprocessableContent, code: .tooManyPixels, message: message)
    }
    /// 503 `model_not_ready` with `Retry-After`.
    public static func modelNotReady(_ message: String, retryAfterSeconds: Int = 1) -> APIError {
        APIError(
            status: .serviceUnavailable, code: .modelNotReady, message: message,
            headers: [.retryAfter: String(retryAfterSeconds)])
    }
    /// 503 `overloaded` with `Retry-After`.
    public static func overloaded(_ message: String, retryAfterSeconds: Int = 1) -> APIError {
        APIError(
            status: .serviceUnavailable, code: .overloaded, message: message,
            headers: [.retryAfter: String(retryAfterSeconds)])
    }
    /// 500 `internal`; the message must not leak internals.
    public static func `internal`(_ message: String = "internal server error") -> APIError {
        APIError(status: .internalServerError, code: .internal, message: message)
    }

    /// Maps any error to an ``APIError``: itself, a Hummingbird `HTTPResponseError` by its status
    /// (404 → `not_found`, 413 → `payload_too_large`, …), anything else → 500 `internal`.
    public static func from(_ error: any Error) -> APIError {
        if let apiError = error as? APIError { return apiError }
        if let httpError = error as? HTTPError {
            return APIError(
                status: httpError.status, code: Self.code(for: httpError.status),
                message: httpError.body ?? httpError.status.reasonPhrase, headers: httpError.headers)
        }
        if let responseError = error as? any HTTPResponseError {
            return APIError(
                status: responseError.status, code: Self.code(for: responseError.status),
                message: responseError.status.reasonPhrase)
        }
        return .internal()
    }

    /// The code used for a bare status.
    static func code(for status: HTTPResponse.Status) -> Code {
        switch status.code {
        case 400: .badRequest
        case 404: .notFound
        case 405: .methodNotAllowed
        case 413: .payloadTooLarge
        case 415: .unsupportedMediaType
        case 500: .internal
        default: .httpError
        }
    }

    /// The JSON body.
    struct Body: Encodable {
        struct Detail: Encodable {
            let code: Code
            let message: String
        }
        let error: Detail
    }

    /// Renders the JSON error response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Body(error: .init(code: self.code, message: self.message)))
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(data.count)
        return Response(status: self.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension APIError: CustomStringConvertible {
    /// `status code: message`, for logs.
    public var description: String { "\(self.status.code) \(self.code): \(self.message)" }
}
