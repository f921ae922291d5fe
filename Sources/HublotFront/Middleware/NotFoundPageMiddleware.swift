import HTTPTypes
import Hummingbird
import NIOCore

/// Answers an unknown page with the site's translated 404 page instead of JSON; `/api/…` keeps JSON.
struct NotFoundPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let renderer: PageRenderer
    let translations: Translations
    let configuration: FrontConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && !request.uri.path.hasPrefix("/api/") {
            let choice = LanguageChoice(request: request, default: configuration.defaultLanguage)
            let view = PageContext(strings: translations.strings(choice.language), path: "/", configuration: configuration)
            let context = view.base(title: view.strings["not_found_title"], isCompare: false)
            var response = Response(
                status: .notFound, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: try renderer.render("not_found", context: context))))
            choice.apply(to: &response)
            return response
        }
    }
}
