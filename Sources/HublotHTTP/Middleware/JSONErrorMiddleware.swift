import Hummingbird

/// Turns every error thrown below it into the JSON error response `{"error": {"code", "message"}}`
/// (see ``APIError``): Hummingbird's own `HTTPError`s (unknown route → `not_found`, body too large →
/// `payload_too_large`, …) and unexpected errors (→ 500 `internal`, message not leaked). Place it
/// innermost, so the access log and metrics see the final status.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Creates the middleware.
    public init() {}

    /// Runs the chain; converts a thrown error into its JSON response.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.code == .internal {
                context.logger.error("unexpected error", metadata: ["error": .string(String(reflecting: error))])
            }
            return try apiError.response(from: request, context: context)
        }
    }
}
