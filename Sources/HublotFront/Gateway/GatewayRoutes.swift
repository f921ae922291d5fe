import HTTPTypes
import Hummingbird
import HublotHTTP
import NIOCore

/// The JSON gateway: `/api/models`, `/api/classify` and `/api/explain`, forwarded to the classifier.
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
        router.post("/api/explain") { request, context in
            do {
                return relay(try await explain(request, context: context))
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
            try await client.classify(model: model, topK: topK, body: body, contentType: contentType, requestID: context.id)
        }
    }

    /// Checks `grid`, `class` and `top_k` before reading the upload (a bad query never reaches the classifier),
    /// then forwards it to the explanation of `model`, or of the classifier's default model when absent.
    private func explain(_ request: Request, context: Context) async throws -> ClassifierClient.Answer {
        let query = request.uri.queryParameters
        let explain = try ExplainParameters.parse(grid: query.getAll("grid"), classes: query.getAll("class"))
        let topK = try TopKParameter.parse(query.getAll("top_k")) ?? configuration.topK
        var model = query.get("model") ?? ""
        if model.isEmpty {
            // The classifier's explain route names its model: the default is read from its list.
            guard let fallback = try await client.models(requestID: context.id).default else { throw APIError.noModel }
            model = fallback
        }
        context.annotations.model = model
        let contentType = request.headers[.contentType]
        return try await uploads.receive(request) { body in
            try await client.explain(
                model: model, parameters: explain, topK: topK, body: body, contentType: contentType, requestID: context.id)
        }
    }

    /// The classifier's answer, passed on unchanged (status, JSON body, `Retry-After`).
    private func relay(_ answer: ClassifierClient.Answer) -> Response {
        var headers: HTTPFields = [.contentType: answer.contentType, .cacheControl: "no-store"]
        if let retryAfter = answer.retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: answer.status, headers: headers, body: .init(byteBuffer: answer.body))
    }
}
