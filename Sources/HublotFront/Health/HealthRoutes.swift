import HTTPTypes
import Hummingbird
import HublotHTTP
import NIOCore

/// `GET /healthz` (the front is alive) and `GET /readyz` (the classifier answers ready).
struct HealthRoutes {
    typealias Context = HublotRequestContext
    let client: ClassifierClient

    /// Registers the probes on `router`.
    func register(on router: Router<Context>) {
        router.get("/healthz") { _, _ in
            Self.json(#"{"status":"ok"}"#, status: .ok)
        }
        router.get("/readyz") { _, context in
            if await client.isReady(requestID: context.id) {
                return Self.json(#"{"status":"ready"}"#, status: .ok)
            }
            return Self.json(
                #"{"status":"not_ready","error":{"code":"classifier_unavailable","message":"The classification service is not ready."}}"#,
                status: .serviceUnavailable)
        }
    }

    private static func json(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
