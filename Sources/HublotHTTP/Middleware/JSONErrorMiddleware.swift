import Hummingbird

/// The one place a server turns errors into answers: every error thrown below it becomes its ``APIError``
/// response (Hummingbird's own `HTTPError`s by status: unknown route → `not_found`, body too large →
/// `payload_too_large`, …; anything unexpected → 500 `internal`, logged, message not leaked), in the
/// error envelope (the server-wide stack) or in the Open Inference shape (the classifier's `/v2` group).
/// It never throws, so the middleware outside it (request id, response headers, access log, metrics) see
/// every answer.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The JSON shape of the answers.
    public let shape: APIError.WireShape

    /// Creates the middleware.
    public init(shape: APIError.WireShape = .envelope) {
        self.shape = shape
    }

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
            return apiError.response(shape: shape)
        }
    }
}
