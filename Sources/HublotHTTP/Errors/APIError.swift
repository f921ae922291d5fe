import Foundation
import Hummingbird

/// A user-facing HTTP error of either server: a status, a stable code, a message and extra headers (for
/// example `Retry-After`). Throw it from a route; ``JSONErrorMiddleware`` renders it (the only renderer),
/// as the ``ErrorEnvelope`` `{"error": {"code", "message"}}` or, on the classifier's `/v2` routes, as the
/// Open Inference Protocol's ``OpenInferenceError`` `{"error": "message"}`.
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

    /// A stable error code (the `error.code` field), of the classifier and of the front's gateway; the
    /// site translates each one (`error_<code>` in the front's i18n files).
    public enum Code: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
        /// 400: malformed request or parameter.
        case badRequest = "bad_request"
        /// 404: no such route.
        case notFound = "not_found"
        /// 404: no such model.
        case unknownModel = "unknown_model"
        /// 405: route exists, method does not.
        case methodNotAllowed = "method_not_allowed"
        /// 408: the request body did not arrive in time.
        case requestTimeout = "request_timeout"
        /// 413: body over the limit.
        case payloadTooLarge = "payload_too_large"
        /// 415: content type not accepted.
        case unsupportedMediaType = "unsupported_media_type"
        /// 422: the bytes are not a decodable image.
        case invalidImage = "invalid_image"
        /// 422: the image has more pixels than allowed.
        case tooManyPixels = "too_many_pixels"
        /// 503: the model is loading or failed.
        case modelNotReady = "model_not_ready"
        /// 422: the model could not be loaded (a bad model in the repository, or the memory budget is full).
        case modelLoadFailed = "model_load_failed"
        /// 409: the repository API is refused under this model control (`poll` or `none`).
        case modelControl = "model_control"
        /// 503: the queue (classifier) or the upload budget (front) is full; retry later.
        case overloaded
        /// 500: unexpected server error.
        case `internal`
        /// Any other status mapped from a framework error, or a code this build does not know.
        case httpError = "http_error"
        /// 400 (front): a form without an image.
        case noImage = "no_image"
        /// 400 (front): a compare form without a model.
        case noModel = "no_model"
        /// 400 (front): a compare form with more models than allowed.
        case tooManyModels = "too_many_models"
        /// 502 (front): the classifier answered something that is not its API.
        case badGateway = "bad_gateway"
        /// 503 (front): the classifier cannot be reached.
        case classifierUnavailable = "classifier_unavailable"
        /// 504 (front): the classifier did not answer in time.
        case classifierTimeout = "classifier_timeout"

        /// Reads a code; one this build does not know becomes ``httpError``.
        public init(from decoder: any Decoder) throws {
            self = Code(rawValue: try decoder.singleValueContainer().decode(String.self)) ?? .httpError
        }

        /// The raw code.
        public var description: String { self.rawValue }
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
    /// 408 `request_timeout` with `Connection: close`: the body did not fully arrive within `timeout`.
    public static func requestTimeout(after timeout: Duration) -> APIError {
        APIError(
            status: .requestTimeout, code: .requestTimeout,
            message: "the request body did not arrive within \(timeout.components.seconds) s",
            headers: [.connection: "close"])
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
    /// 422 `model_load_failed`: the message says why (the model's problem, or the memory budget).
    public static func modelLoadFailed(_ message: String) -> APIError {
        APIError(status: .unprocessableContent, code: .modelLoadFailed, message: message)
    }
    /// 409 `model_control`: loads and unloads through the API need `--model-control explicit`.
    public static func modelControl(_ message: String) -> APIError {
        APIError(status: .conflict, code: .modelControl, message: message)
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
        case 408: .requestTimeout
        case 413: .payloadTooLarge
        case 415: .unsupportedMediaType
        case 500: .internal
        default: .httpError
        }
    }

    /// The two JSON shapes an error takes on the wire.
    public enum WireShape: Sendable {
        /// ``ErrorEnvelope``, `{"error": {"code", "message"}}`: the Hublot API and the front.
        case envelope
        /// ``OpenInferenceError``, `{"error": "message"}`: the classifier's `/v2` routes.
        case openInference
    }

    /// The error's response in `shape`: its status, its headers, `Cache-Control: no-store` and the JSON body.
    public func response(shape: WireShape) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        switch shape {
        case .envelope: data = (try? encoder.encode(ErrorEnvelope(self))) ?? Data()
        case .openInference: data = (try? encoder.encode(OpenInferenceError(error: self.message))) ?? Data()
        }
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(data.count)
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        return Response(status: self.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The error's response as an ``ErrorEnvelope`` (Hummingbird's `HTTPResponseError` requirement).
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        self.response(shape: .envelope)
    }
}

extension APIError: CustomStringConvertible {
    /// `status code: message`, for logs.
    public var description: String { "\(self.status.code) \(self.code): \(self.message)" }
}
