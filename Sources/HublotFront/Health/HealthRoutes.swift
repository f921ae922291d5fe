import HTTPTypes
import Hummingbird
import HublotHTTP

/// `GET /healthz` (the front is alive) and `GET /readyz` (the classifier answers ready).
struct HealthRoutes {
    typealias Context = HublotRequestContext
    let client: ClassifierClient

    /// The body of both probes: `{"status": "ok" | "ready" | "not_ready", "error": {…}}` (error only when not ready).
    struct Status: ResponseEncodable {
        /// `ok`, `ready` or `not_ready`.
        let status: String
        /// Why the front is not ready.
        let error: ErrorEnvelope.Detail?
    }

    /// Registers the probes on `router`.
    func register(on router: Router<Context>) {
        router.get("/healthz") { _, _ in
            Self.answer(Status(status: "ok", error: nil), status: .ok)
        }
        router.get("/readyz") { _, context in
            if await client.isReady(requestID: context.id) {
                return Self.answer(Status(status: "ready", error: nil), status: .ok)
            }
            let error = APIError(
                status: .serviceUnavailable, code: .classifierUnavailable, message: "The classification service is not ready.")
            return Self.answer(Status(status: "not_ready", error: ErrorEnvelope(error).error), status: .serviceUnavailable)
        }
    }

    private static func answer(_ body: Status, status: HTTPResponse.Status) -> EditedResponse<Status> {
        EditedResponse(status: status, headers: [.cacheControl: "no-store"], response: body)
    }
}
