import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HublotHTTP
import NIOCore

/// The JSON gateway: `/api/models` and `/api/classify`, forwarded to the classifier.
struct GatewayRoutes {
    typealias Context = HublotRequestContext
    let client: ClassifierClient
    let configuration: FrontConfiguration

    /// Registers the API on `router`.
    func register(on router: Router<Context>) {
        router.get("/api/models") { _, context in
            do {
                return relay(try await client.fetchModels(requestID: context.id))
            } catch {
                return Self.json(ClassifierClient.gatewayError(for: error))
            }
        }
        router.post("/api/classify") { request, context in
            do {
                return relay(try await classify(request, context: context))
            } catch {
                return Self.json(ClassifierClient.gatewayError(for: error))
            }
        }
    }

    /// Streams the upload to the classifier: refused before forwarding when its declared length is past the limit,
    /// cut off (and answered 413) when an upload of unknown length grows past it.
    private func classify(_ request: Request, context: Context) async throws -> ClassifierClient.Answer {
        let parameters = request.uri.queryParameters
        let model = parameters.get("model")
        context.annotations.model = model
        var topK = configuration.topK
        if let text = parameters.get("top_k") {
            guard let value = Int(text), value > 0 else {
                throw GatewayError(status: .badRequest, code: "bad_request", message: "top_k must be a positive integer.")
            }
            topK = value
        }
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        let isMultipart = contentType.lowercased().hasPrefix("multipart/form-data")
        let limit = configuration.maxUploadBytes + (isMultipart ? configuration.multipartOverheadBytes : 0)
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if let declared, declared > limit { throw GatewayError.tooLarge(limit: configuration.maxUploadBytes) }

        let body = HTTPClientRequest.Body.stream(
            LimitedBody(request.body, limit: limit), length: declared.map { .known(Int64($0)) } ?? .unknown)
        return try await client.classify(
            model: model, topK: topK, body: body, contentType: contentType, requestID: context.id)
    }

    /// The classifier's answer, passed on unchanged (status, JSON body, `Retry-After`).
    private func relay(_ answer: ClassifierClient.Answer) -> Response {
        var headers: HTTPFields = [.contentType: answer.contentType, .cacheControl: "no-store"]
        if let retryAfter = answer.retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: answer.status, headers: headers, body: .init(byteBuffer: answer.body))
    }

    /// A gateway error as `{"error": {"code", "message"}}`.
    static func json(_ error: GatewayError) -> Response {
        let envelope = ClassifierAPI.ErrorEnvelope(code: error.code, message: error.message)
        let data = (try? JSONEncoder().encode(envelope)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let retryAfter = error.retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
