import AsyncHTTPClient
import Foundation
import HTTPTypes
import HublotHTTP
import Logging
import NIOCore
import NIOHTTP1

/// The front's one connection to hublot-classifier: a shared, pooled AsyncHTTPClient with explicit timeouts.
public final class ClassifierClient: Sendable {
    /// An answer of the classifier, as received (status, content type, body).
    public struct Answer: Sendable {
        /// The classifier's status.
        public var status: HTTPResponse.Status
        /// Its `Content-Type`.
        public var contentType: String
        /// Its `Retry-After`, when present.
        public var retryAfter: String?
        /// The body, complete.
        public var body: ByteBuffer

        /// The classifier's error, when the status is not a success.
        public var error: APIError? {
            guard status.kind != .successful else { return nil }
            let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: body)
            return APIError(
                status: status,
                code: envelope?.error.code ?? .internal,
                message: envelope?.error.message ?? "The classification service answered \(status.code).",
                headers: retryAfter.map { [.retryAfter: $0] } ?? [:])
        }

        /// Decodes a successful JSON body, or throws the classifier's error.
        public func decode<T: Decodable>(_ type: T.Type) throws(APIError) -> T {
            if let error { throw error }
            do { return try JSONDecoder().decode(type, from: body) } catch { throw APIError.badGateway }
        }
    }

    private let httpClient: HTTPClient
    private let baseURL: String
    private let requestTimeout: TimeAmount
    private let readinessTimeout: TimeAmount
    private let maxAnswerBytes = 8 * 1024 * 1024

    /// Creates the client; call ``shutdown()`` once done (``ClassifierClientService`` does it for the application).
    public init(configuration: FrontConfiguration) {
        let connect = TimeAmount(configuration.connectTimeout)
        let total = TimeAmount(configuration.requestTimeout)
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: connect, read: total))
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(20),  // below the classifier's 30 s request head timeout: never reuse a closing connection
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections)
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        self.httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        var base = configuration.classifierURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.requestTimeout = total
        self.readinessTimeout = min(total, connect + .seconds(2))
    }

    /// Closes the pooled connections.
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    /// `GET /v1/models`, as received.
    public func fetchModels(requestID: String) async throws(APIError) -> Answer {
        try await send(path: "/v1/models", method: .GET, requestID: requestID)
    }

    /// `GET /v1/models`, decoded.
    public func models(requestID: String) async throws(APIError) -> ClassifierAPI.ModelList {
        try await fetchModels(requestID: requestID).decode(ClassifierAPI.ModelList.self)
    }

    /// Forwards an image (raw `image/*` body or a multipart form with an `image` part) to the classifier.
    /// - Parameters:
    ///   - model: the model to use, or `nil` for the classifier's default.
    ///   - body: the upload, streamed when it comes from a request.
    public func classify(
        model: String?, topK: Int, body: HTTPClientRequest.Body, contentType: String?, requestID: String
    ) async throws(APIError) -> Answer {
        let path: String
        if let model, !model.isEmpty {
            path = "/v1/models/\(Self.pathSegment(model))/classify?top_k=\(topK)"
        } else {
            path = "/v1/classify?top_k=\(topK)"
        }
        return try await send(path: path, method: .POST, body: body, contentType: contentType, requestID: requestID)
    }

    /// Forwards an image to `POST /v1/models/{model}/explain` (the same uploads as ``classify(model:topK:body:contentType:requestID:)``):
    /// the occlusion maps of `parameters.classes` (or of the top-1 when empty) on a `grid × grid` of cells.
    /// The model is required: the classifier has no default-model route for explanations.
    public func explain(
        model: String, parameters: ExplainParameters, topK: Int, body: HTTPClientRequest.Body, contentType: String?, requestID: String
    ) async throws(APIError) -> Answer {
        var path = "/v1/models/\(Self.pathSegment(model))/explain?grid=\(parameters.grid)"
        if !parameters.classes.isEmpty { path += "&class=" + parameters.classes.map(String.init).joined(separator: ",") }
        path += "&top_k=\(topK)"
        return try await send(path: path, method: .POST, body: body, contentType: contentType, requestID: requestID)
    }

    /// Whether the classifier answers `GET /v2/health/ready` with 200.
    public func isReady(requestID: String) async -> Bool {
        let answer = try? await send(path: "/v2/health/ready", method: .GET, requestID: requestID, timeout: readinessTimeout)
        return answer?.status == .ok
    }

    private func send(
        path: String, method: NIOHTTP1.HTTPMethod, body: HTTPClientRequest.Body? = nil, contentType: String? = nil,
        requestID: String, timeout: TimeAmount? = nil
    ) async throws(APIError) -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "X-Request-Id", value: requestID)
        request.headers.add(name: "Accept", value: "application/json")
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        request.body = body
        do {
            let response = try await httpClient.execute(request, timeout: timeout ?? requestTimeout)
            let bytes = try await response.body.collect(upTo: maxAnswerBytes)
            return Answer(
                status: HTTPResponse.Status(code: Int(response.status.code)),
                contentType: response.headers.first(name: "Content-Type") ?? "application/json",
                retryAfter: response.headers.first(name: "Retry-After"),
                body: bytes)
        } catch {
            throw Self.apiError(for: error)
        }
    }

    /// Maps a failure to what the person or the API client is told: an ``APIError`` as is, a transport
    /// failure as `classifier_timeout` or `classifier_unavailable`, an oversized answer as `bad_gateway`.
    static func apiError(for error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout: return .classifierTimeout
            default: return .classifierUnavailable
            }
        }
        if error is NIOTooManyBytesError { return .badGateway }
        return .classifierUnavailable
    }

    /// Percent-encodes a model name for use as one path segment.
    static func pathSegment(_ name: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
    }
}
