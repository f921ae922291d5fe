import Hummingbird
import Logging

extension HTTPFields.Element.Name {
    /// `X-Request-Id`: the request's correlation id, accepted from the client or generated, always echoed.
    public static var requestID: Self { .init("X-Request-Id")! }
}

/// Gives every request an id: the client's `X-Request-Id` when it is acceptable (1–128 visible ASCII
/// characters), otherwise the id Hummingbird generated. The id replaces `hb.request.id` in the logger
/// metadata (so `context.id` and every log line carry it) and is echoed in the response's `X-Request-Id`,
/// also on error responses (rendered by ``JSONErrorMiddleware`` inside it). Put it outermost.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Longest client-supplied id accepted; longer ones are replaced by a generated id.
    public static var maximumLength: Int { 128 }

    /// Creates the middleware.
    public init() {}

    /// Assigns the id, runs the rest of the chain, echoes the id.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let id = Self.acceptable(request.headers[.requestID]) ?? context.id
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    /// The client's id if it is safe to log and echo, else nil.
    static func acceptable(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= Self.maximumLength else { return nil }
        let visibleASCII = value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        return visibleASCII ? value : nil
    }
}
