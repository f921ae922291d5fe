import Foundation
import Hummingbird
import HublotHTTP

/// Renders errors of the `/v2` routes the way the Open Inference Protocol specifies, `{"error": "message"}`
/// (stock clients such as tritonclient expect a string there), keeping the status and headers of the
/// ``APIError``. The Hublot API keeps its `{"error": {"code", "message"}}` shape.
struct V2ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The body of an OIP error.
    struct Body: Encodable {
        let error: String
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            let data = try JSONEncoder().encode(Body(error: apiError.message))
            var headers = apiError.headers
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: apiError.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
