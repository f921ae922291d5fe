import HTTPTypes
import Hummingbird
import HublotHTTP

/// Adds the security headers to every answer, including errors (rendered as HublotHTTP's JSON errors): a Content-Security-Policy without
/// `unsafe-inline` (scripts and styles come only from `/static`), `nosniff`, a strict referrer policy and
/// no framing by other sites.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The policy sent with every answer.
    public static var contentSecurityPolicy: ContentSecurityPolicy {
        [
            .defaultSrc(.none),
            .scriptSrc(.self),
            .styleSrc(.self),
            .imgSrc(.self, .uri("data:"), .uri("blob:")),
            .connectSrc(.self),
            .formAction(.self),
            .baseURI(.none),
            .frameAncestors(.none),
        ]
    }

    private let headers: HTTPFields

    /// Creates the middleware.
    public init() {
        self.headers = [
            .contentSecurityPolicy: Self.contentSecurityPolicy.description,
            .xContentTypeOptions: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Cross-Origin-Opener-Policy")!: "same-origin",
        ]
    }

    /// Runs the request and decorates the answer.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.code == .internal {
                context.logger.error("unexpected error", metadata: ["error": .string(String(reflecting: error))])
            }
            response = try apiError.response(from: request, context: context)
        }
        for field in headers where response.headers[field.name] == nil {
            response.headers.append(field)
        }
        return response
    }
}
