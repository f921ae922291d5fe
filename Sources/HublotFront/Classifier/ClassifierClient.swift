import AsyncHTTPClient
import Foundation
import HTTPTypes
import HublotHTTP
import Logging
import NIOCore
import NIOHTTP1
import Prometheus

/// The front's connection to hublot-classifier: a shared AsyncHTTPClient with explicit timeouts, whose requests
/// are spread over the classifier's replicas (``ReplicaSet``: one connection pool per replica address).
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
    /// The replicas requests are spread over.
    let replicas: ReplicaSet
    private let requestTimeout: TimeAmount
    private let readinessTimeout: TimeAmount
    private let maxAnswerBytes = 8 * 1024 * 1024
    private let logger: Logger

    /// Creates the client; call ``shutdown()`` once done (``ClassifierClientService`` does it for the application,
    /// and resolves the classifier's replicas while it runs). Counts requests per replica and retries in `registry`.
    public convenience init(
        configuration: FrontConfiguration, registry: PrometheusCollectorRegistry, resolver: any ClassifierResolver = GetaddrinfoResolver(),
        logger: Logger = Logger(label: "hublot-front")
    ) {
        self.init(
            configuration: configuration, registry: registry, resolver: resolver, logger: logger, initialBackoff: .seconds(1), maxBackoff: .seconds(30))
    }

    /// The same, with the back-off of a refusing replica chosen (tests).
    init(
        configuration: FrontConfiguration, registry: PrometheusCollectorRegistry, resolver: any ClassifierResolver, logger: Logger,
        initialBackoff: Duration, maxBackoff: Duration
    ) {
        let connect = TimeAmount(configuration.connectTimeout)
        let total = TimeAmount(configuration.requestTimeout)
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: connect, read: total))
        // Requests go to each replica's address: one pool per replica, each with this soft limit.
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(20),  // below the classifier's 30 s request head timeout: never reuse a closing connection
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections)
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        self.httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        // FrontConfiguration.problems() refuses a URL that is not http(s): the fallback is never used by the programs.
        let target = ClassifierTarget(url: configuration.classifierURL) ?? ClassifierTarget(url: "http://127.0.0.1:8081")!
        self.replicas = ReplicaSet(
            target: target, balancing: configuration.balancing, refreshInterval: configuration.dnsRefresh, resolver: resolver,
            registry: registry, logger: logger, initialBackoff: initialBackoff, maxBackoff: maxBackoff)
        self.requestTimeout = total
        self.readinessTimeout = min(total, connect + .seconds(2))
        self.logger = logger
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
    ///   - body: the upload, whole (it may be sent twice: see ``send(path:method:body:contentType:requestID:timeout:)``).
    public func classify(
        model: String?, topK: Int, body: ByteBuffer, contentType: String?, requestID: String
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
        model: String, parameters: ExplainParameters, topK: Int, body: ByteBuffer, contentType: String?, requestID: String
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

    /// Sends a request to a replica picked by the ``ReplicaSet`` and collects its answer. Every request of
    /// the classifier's API is an idempotent read or a pure function of its upload, so one that failed before
    /// any byte of its answer arrived goes to another replica: after a connection closed or reset before the
    /// response head (the request may have reached the replica), once; after a connection that could not be
    /// made (refused, unreachable, connect timeout: nothing was sent), to each other replica in turn, as when
    /// several replicas stop at once. Never after a response head (the answer is relayed, a 503 included), nor
    /// after a timeout of a request already sent: a replica that is only slow would get its work twice, and so
    /// would every replica under load. Every try shares one deadline, `timeout`.
    private func send(
        path: String, method: NIOHTTP1.HTTPMethod, body: ByteBuffer? = nil, contentType: String? = nil,
        requestID: String, timeout: TimeAmount? = nil
    ) async throws(APIError) -> Answer {
        let deadline = NIODeadline.now() + (timeout ?? requestTimeout)
        guard var replica = await replicas.pick() else { throw .classifierUnavailable }
        var tried: Set<ReplicaAddress> = [replica]
        var resentAfterClose = false
        while true {
            switch await exchange(with: replica, path: path, method: method, body: body, contentType: contentType, requestID: requestID, deadline: deadline) {
            case .success(let answer):
                return answer
            case .failure(let failure):
                if failure.outcome.allowsRetry(resentAfterClose: resentAfterClose), let other = await replicas.pick(excluding: tried) {
                    logger.debug(
                        "classifier replica failed before answering; trying another",
                        metadata: ["replica": "\(replica)", "next_replica": "\(other)", "error": "\(failure.error)", "request_id": "\(requestID)"])
                    replicas.recordRetry()
                    resentAfterClose = resentAfterClose || failure.outcome == .closedBeforeAnswer
                    tried.insert(other)
                    replica = other
                    continue
                }
                throw Self.apiError(for: failure.error)
            }
        }
    }

    /// Why one try failed, and what that allows.
    private struct ExchangeFailure: Error {
        let error: any Error
        let outcome: ReplicaOutcome
    }

    /// One try at `replica`: its answer, or the error with its ``ReplicaOutcome`` (`failed` once a head arrived).
    private func exchange(
        with replica: ReplicaAddress, path: String, method: NIOHTTP1.HTTPMethod, body: ByteBuffer?, contentType: String?,
        requestID: String, deadline: NIODeadline
    ) async -> Result<Answer, ExchangeFailure> {
        var request = HTTPClientRequest(url: replicas.target.url(of: replica, path: path))
        request.method = method
        request.headers.add(name: "Host", value: replicas.target.hostHeader)
        request.headers.add(name: "X-Request-Id", value: requestID)
        request.headers.add(name: "Accept", value: "application/json")
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(body) }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, deadline: deadline)
        } catch {
            let outcome = ReplicaOutcome(errorBeforeAnswer: error)
            replicas.finished(replica, outcome: outcome)
            return .failure(ExchangeFailure(error: error, outcome: outcome))
        }
        defer { replicas.finished(replica, outcome: .answered) }
        do {
            let bytes = try await response.body.collect(upTo: maxAnswerBytes)
            return .success(
                Answer(
                    status: HTTPResponse.Status(code: Int(response.status.code)),
                    contentType: response.headers.first(name: "Content-Type") ?? "application/json",
                    retryAfter: response.headers.first(name: "Retry-After"),
                    body: bytes))
        } catch {
            return .failure(ExchangeFailure(error: error, outcome: .failed))
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
