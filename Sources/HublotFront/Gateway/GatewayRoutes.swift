import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import HublotHTTP
import NIOCore

/// The JSON gateway: `/api/models` and `/api/classify`, forwarded to the classifier.
struct GatewayRoutes {
    typealias Context = HublotRequestContext
    let client: ClassifierClient
    let uploads: UploadReceiver
    let configuration: FrontConfiguration

    /// Registers the API on `router`.
    func register(on router: Router<Context>) {
        router.get("/api/models") { _, context in
            relay(try await client.fetchModels(requestID: context.id))
        }
        router.post("/api/classify") { request, context in
            do {
                return relay(try await classify(request, context: context))
            } catch {
                throw ClassifierClient.apiError(for: error)
            }
        }
    }

    /// Receives the whole upload (bounded, see ``UploadReceiver``), then forwards it to the classifier.
    private func classify(_ request: Request, context: Context) async throws -> ClassifierClient.Answer {
        let parameters = request.uri.queryParameters
        let model = parameters.get("model")
        context.annotations.model = model
        let topK = try TopKParameter.parse(parameters.getAll("top_k")) ?? configuration.topK
        // Forwarded as sent, absent included: the classifier alone decides which types it accepts.
        let contentType = request.headers[.contentType]
        return try await uploads.receive(request) { body in
            try await client.classify(model: model, topK: topK, body: .bytes(body), contentType: contentType, requestID: context.id)
        }
    }

    /// The classifier's answer, passed on unchanged (status, JSON body, `Retry-After`).
    private func relay(_ answer: ClassifierClient.Answer) -> Response {
        var headers: HTTPFields = [.contentType: answer.contentType, .cacheControl: "no-store"]
        if let retryAfter = answer.retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: answer.status, headers: headers, body: .init(byteBuffer: answer.body))
    }
}
