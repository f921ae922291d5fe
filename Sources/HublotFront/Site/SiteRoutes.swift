import Foundation
import HTTPTypes
import Hummingbird
import HublotHTTP
import NIOCore

/// The web site: the home page, the compare page and their no-JavaScript form posts.
struct SiteRoutes {
    typealias Context = HublotRequestContext
    let client: ClassifierClient
    let uploads: UploadReceiver
    let renderer: PageRenderer
    let translations: Translations
    let configuration: FrontConfiguration

    /// Registers the pages on `router`.
    func register(on router: Router<Context>) {
        router.get("/") { request, context in try await page(request, context: context, isCompare: false) }
        router.get("/compare") { request, context in try await page(request, context: context, isCompare: true) }
        router.post("/classify") { request, context in try await submit(request, context: context, isCompare: false) }
        router.post("/compare") { request, context in try await submit(request, context: context, isCompare: true) }
        router.get("/classify") { _, _ in Response.redirect(to: "/", type: .normal) }
    }

    /// A page with its empty form.
    private func page(_ request: Request, context requestContext: Context, isCompare: Bool) async throws -> Response {
        let choice = LanguageChoice(request: request, default: configuration.defaultLanguage)
        let view = PageContext(strings: translations.strings(choice.language), path: isCompare ? "/compare" : "/", configuration: configuration)
        var context = view.base(title: title(view.strings, isCompare: isCompare), isCompare: isCompare)
        var status = HTTPResponse.Status.ok
        do {
            let list = try await client.models(requestID: requestContext.id)
            fillModels(&context, view: view, list: list, selected: Self.defaultSelection(list, isCompare: isCompare))
        } catch {
            fillModels(&context, view: view, list: nil, selected: [])
            context["notice"] = view.notice(error, requestID: requestContext.id)
            status = error.status
        }
        return try html(isCompare ? "compare" : "home", context: context, status: status, language: choice)
    }

    /// A form post: classify the uploaded image with the chosen model(s) and render the result page.
    private func submit(_ request: Request, context requestContext: Context, isCompare: Bool) async throws -> Response {
        let choice = LanguageChoice(request: request, default: configuration.defaultLanguage)
        let view = PageContext(strings: translations.strings(choice.language), path: isCompare ? "/compare" : "/", configuration: configuration)
        var context = view.base(title: view.strings["result_page_title"], isCompare: isCompare)
        let requestID = requestContext.id

        let list: ClassifierAPI.ModelList?
        do { list = try await client.models(requestID: requestID) } catch {
            fillModels(&context, view: view, list: nil, selected: [])
            context["notice"] = view.notice(error, requestID: requestID)
            return try html(isCompare ? "compare" : "home", context: context, status: error.status, language: choice)
        }

        do {
            return try await uploads.receive(request) { body in
                let form = try UploadForm(body: body, contentType: request.headers[.contentType] ?? "")
                guard let image = form.image else { throw APIError.noImage }
                if isCompare, form.models.isEmpty { throw APIError.noModel }
                if image.bytes.readableBytes > configuration.maxUploadBytes {
                    throw APIError.payloadTooLarge(limit: configuration.maxUploadBytes)
                }
                let models = isCompare ? form.models : [form.models.first ?? list?.default ?? ""]
                return try await results(
                    image: image, models: models, list: list, page: context, view: view, isCompare: isCompare,
                    context: requestContext, language: choice)
            }
        } catch {
            let failure = ClassifierClient.apiError(for: error)
            fillModels(&context, view: view, list: list, selected: Self.defaultSelection(list, isCompare: isCompare))
            context["notice"] = view.notice(failure, requestID: requestID)
            var response = try html(isCompare ? "compare" : "home", context: context, status: failure.status, language: choice)
            for field in failure.headers { response.headers[field.name] = field.value }
            return response
        }
    }

    /// Classifies `image` with each of `models` and renders the result page.
    private func results(
        image: UploadForm.Image, models: [String], list: ClassifierAPI.ModelList?, page: [String: Any], view: PageContext,
        isCompare: Bool, context requestContext: Context, language choice: LanguageChoice
    ) async throws -> Response {
        var context = page
        let requestID = requestContext.id
        requestContext.annotations.model = models.joined(separator: ",")
        fillModels(&context, view: view, list: list, selected: models)
        let preview = preview(image)
        context["preview"] = preview
        let photo = preview["src"] as? String ?? ""

        let outcomes = await classifyAll(image: image, models: models, requestID: requestID)
        // A map needs the photo under it: an image the page cannot show (too large, another type) gets a
        // note instead, and no explanation is asked.
        let maps = photo.hasPrefix("data:")
            ? await explainAll(image: image, models: models, classifications: outcomes, requestID: requestID)
            : outcomes.map { _ in nil }
        context["results"] = zip(models, zip(outcomes, maps)).enumerated().map { position, element in
            let (model, (outcome, map)) = element
            let classified = if case .success = outcome { true } else { false }
            return view.resultCard(
                model: model, fileName: image.fileName, outcome: outcome,
                map: classified ? (group: "map-\(position + 1)", photo: photo, outcome: map) : nil)
        }
        context["has_results"] = true
        context["results_title"] = view.strings[isCompare ? "compare_results_title" : "results_title"]

        let failures = outcomes.compactMap { outcome -> APIError? in
            if case .failure(let error) = outcome { return error } else { return nil }
        }
        var status = HTTPResponse.Status.ok
        if failures.count == outcomes.count, let first = failures.first {
            status = first.status
            context["notice"] = view.notice(first, requestID: requestID)
            if !isCompare { context["has_results"] = false }
        }
        return try html(isCompare ? "compare" : "home", context: context, status: status, language: choice)
    }

    /// Classifies one image with each model, concurrently, keeping the order of `models`.
    private func classifyAll(
        image: UploadForm.Image, models: [String], requestID: String
    ) async -> [Result<ClassifierAPI.Classification, APIError>] {
        let outcomes = await self.askAll(models, as: ClassifierAPI.Classification.self) { model in
            try await client.classify(
                model: model, topK: configuration.topK, body: image.bytes, contentType: image.contentType, requestID: requestID)
        }
        return outcomes.map { $0 ?? .failure(.badGateway) }
    }

    /// The occlusion maps of the top-5 classes of each classification that succeeded, concurrently, in the
    /// order of `models` (`nil` for a model whose classification failed: its card shows the error alone).
    /// Classify first, then explain those classes: the person may look at any of the top five, one
    /// explanation maps up to five classes for the cost of one (the same `grid² + 1` images), and a map that
    /// fails or is shed (`overloaded`: explanations run behind classifications) leaves the classification shown.
    private func explainAll(
        image: UploadForm.Image, models: [String], classifications: [Result<ClassifierAPI.Classification, APIError>], requestID: String
    ) async -> [Result<ClassifierAPI.Explanation, APIError>?] {
        await self.askAll(Array(zip(models, classifications)), as: ClassifierAPI.Explanation.self) { model, classification in
            guard case .success(let answer) = classification else { return nil }
            let classes = Array(answer.predictions.prefix(ExplainParameters.maxClasses).map(\.index))
            return try await client.explain(
                model: model.isEmpty ? answer.model : model, parameters: ExplainParameters(classes: classes),
                topK: configuration.topK, body: image.bytes, contentType: image.contentType, requestID: requestID)
        }
    }

    /// Asks the classifier once per element, concurrently (`ask` returns nil when there is nothing to ask),
    /// and gives back, in the elements' order, each answer decoded as `T` or its error; nil where nothing was asked.
    private func askAll<Element: Sendable, T: Decodable & Sendable>(
        _ elements: [Element], as type: T.Type, _ ask: @escaping @Sendable (Element) async throws -> ClassifierClient.Answer?
    ) async -> [Result<T, APIError>?] {
        await withTaskGroup(of: (Int, Result<T, APIError>?).self) { group in
            for (position, element) in elements.enumerated() {
                group.addTask {
                    do {
                        guard let answer = try await ask(element) else { return (position, nil) }
                        return (position, .success(try answer.decode(T.self)))
                    } catch {
                        return (position, .failure(ClassifierClient.apiError(for: error)))
                    }
                }
            }
            var outcomes = [Result<T, APIError>?](repeating: nil, count: elements.count)
            for await (position, outcome) in group { outcomes[position] = outcome }
            return outcomes
        }
    }

    /// A `data:` URL so the result page can show the image without storing it (small JPEG/PNG/WebP/GIF only).
    private func preview(_ image: UploadForm.Image) -> [String: Any] {
        let types = ["image/jpeg", "image/png", "image/webp", "image/gif"]
        let type = image.contentType.lowercased()
        guard types.contains(type), image.bytes.readableBytes <= 2 * 1024 * 1024 else {
            return ["src": "/static/placeholder.svg", "file_name": image.fileName]
        }
        let base64 = Data(image.bytes.readableBytesView).base64EncodedString()
        return ["src": "data:\(type);base64,\(base64)", "file_name": image.fileName]
    }

    /// The model picker's values, from the list just fetched: the page follows the classifier's repository
    /// as it is now (a model added, loading, failed or removed shows on the next page, without a restart).
    private func fillModels(_ context: inout [String: Any], view: PageContext, list: ClassifierAPI.ModelList?, selected: [String]) {
        let groups = view.modelGroups(list, selected: selected)
        context["groups"] = groups
        context["has_models"] = !(list?.models.isEmpty ?? true)
        context["has_loading"] = list?.models.contains { $0.status == "loading" } ?? false
    }

    /// The default model on the home page; on the compare page the default and, side by side, its quantized
    /// variant when one is ready, else the next ready model.
    static func defaultSelection(_ list: ClassifierAPI.ModelList?, isCompare: Bool) -> [String] {
        guard let list else { return [] }
        let readyModels = list.models.filter { ($0.status ?? "ready") == "ready" }
        let ready = readyModels.map(\.name)
        let first = list.default.flatMap { ready.contains($0) ? $0 : nil } ?? ready.first
        guard let first else { return [] }
        guard isCompare else { return [first] }
        if let variant = readyModels.first(where: { $0.sourceModel == first && $0.name != first }) { return [first, variant.name] }
        return [first] + ready.filter { $0 != first }.prefix(1)
    }

    private func title(_ strings: Strings, isCompare: Bool) -> String {
        strings[isCompare ? "compare_title" : "home_page_title"]
    }

    private func html(_ template: String, context: [String: Any], status: HTTPResponse.Status, language: LanguageChoice) throws -> Response {
        let page = try renderer.render(template, context: context)
        var response = Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentLanguage: language.language.rawValue],
            body: .init(byteBuffer: ByteBuffer(string: page)))
        language.apply(to: &response)
        return response
    }
}
