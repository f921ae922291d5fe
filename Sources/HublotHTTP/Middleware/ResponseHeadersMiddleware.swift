import Hummingbird

/// Adds fixed headers (the front's security headers) to every answer, errors included, once: it sits
/// outside ``JSONErrorMiddleware``, which turns every error into a response. A header the answer already
/// has is kept.
public struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The headers added.
    public let headers: HTTPFields

    /// Creates the middleware.
    public init(headers: HTTPFields) {
        self.headers = headers
    }

    /// Runs the chain and adds the headers.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        for field in headers where response.headers[field.name] == nil {
            response.headers.append(field)
        }
        return response
    }
}
