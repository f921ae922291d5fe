import HublotAPI
import Hummingbird
import HublotHTTP

/// The Hublot API v1: model listing, image classification and explanation.
public struct V1Routes: Sendable {
    /// The classification logic.
    public let service: ClassificationService
    /// The occlusion maps.
    public let explanations: ExplanationService

    /// Creates the routes over `service` (and `explanations`, by default a new one over `service`).
    public init(service: ClassificationService, explanations: ExplanationService? = nil) {
        self.service = service
        self.explanations = explanations ?? ExplanationService(classification: service)
    }

    /// Adds `/v1/...` to `router`.
    public func add(to router: Router<HublotRequestContext>) {
        let group = router.group("v1")
        group.get("models") { _, _ in
            ModelList(default: self.service.registry.defaultModel, models: self.service.registry.entries.map(\.model))
        }
        group.get("models/:name") { _, context in
            let name = try context.parameters.require("name")
            context.annotations.model = name
            return try self.service.entry(name).model
        }
        group.post("models/:name/classify") { request, context in
            try await self.classify(request, context: context, model: try context.parameters.require("name"))
        }
        group.post("models/:name/explain") { request, context in
            try await self.explain(request, context: context, model: try context.parameters.require("name"))
        }
        group.post("classify") { request, context in
            try await self.classify(request, context: context, model: self.service.registry.defaultModel)
        }
        router.addMethodNotAllowed("/v1/models", allowed: [.get])
        router.addMethodNotAllowed("/v1/models/:name", allowed: [.get])
        router.addMethodNotAllowed("/v1/models/:name/classify", allowed: [.post])
        router.addMethodNotAllowed("/v1/models/:name/explain", allowed: [.post])
        router.addMethodNotAllowed("/v1/classify", allowed: [.post])
    }

    /// Shared handler of both classify routes.
    func classify(_ request: Request, context: HublotRequestContext, model name: String) async throws -> Classification {
        let started = ContinuousClock.now
        context.annotations.model = name
        // The model is looked up once; the request carries it to the end.
        let entry = try self.service.entry(name)  // an unknown model is not counted per model
        do {
            let topK = try Self.topK(request, classes: entry.summary.classes)
            let ready = try self.service.ready(entry)
            let bytes = try await UploadReader.image(
                from: request, maxBytes: self.service.configuration.maxBodyBytes, timeout: self.service.configuration.bodyTimeout)
            let response = try await self.service.classify(bytes, model: ready, topK: topK, startedAt: started)
            self.service.metrics.recordRequest(model: name, status: 200, duration: ContinuousClock.now - started)
            return response
        } catch {
            self.service.metrics.recordRequest(model: name, status: APIError.from(error).status.code, duration: ContinuousClock.now - started)
            throw error
        }
    }

    /// The explain route: the same uploads as classify, `grid` and `class` (HublotHTTP's ``ExplainParameters``).
    func explain(_ request: Request, context: HublotRequestContext, model name: String) async throws -> Explanation {
        let started = ContinuousClock.now
        context.annotations.model = name
        let entry = try self.service.entry(name)
        do {
            let topK = try Self.topK(request, classes: entry.summary.classes)
            let query = request.uri.queryParameters
            let parameters = try ExplainParameters.parse(grid: query.getAll("grid"), classes: query.getAll("class"))
            let ready = try self.service.ready(entry)
            let bytes = try await UploadReader.image(
                from: request, maxBytes: self.service.configuration.maxBodyBytes, timeout: self.service.configuration.bodyTimeout)
            let response = try await self.explanations.explain(bytes, model: ready, parameters: parameters, topK: topK, startedAt: started)
            self.service.metrics.recordExplanation(model: name, status: 200, duration: ContinuousClock.now - started, images: response.images)
            return response
        } catch {
            self.service.metrics.recordExplanation(
                model: name, status: APIError.from(error).status.code, duration: ContinuousClock.now - started, images: 0)
            throw error
        }
    }

    /// The `top_k` query parameter (HublotHTTP's ``TopKParameter``): default 5, at most the model's classes.
    static func topK(_ request: Request, classes: Int?) throws -> Int {
        guard let k = try TopKParameter.parse(request.uri.queryParameters.getAll("top_k")) else {
            return min(5, classes ?? 5)
        }
        if let classes, k > classes {
            throw APIError.badRequest("top_k must be at most \(classes), the number of classes of the model")
        }
        return k
    }
}
