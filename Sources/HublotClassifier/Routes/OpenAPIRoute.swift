import Foundation
import Hummingbird
import HublotHTTP

/// Serves the OpenAPI 3.1 document of the Hublot API (`Resources/openapi.json`) at `/openapi.json`.
public enum OpenAPIDocument {
    /// The document's bytes, read once from the bundle.
    public static let data: Data? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources") else { return nil }
        return try? Data(contentsOf: url)
    }()

    /// Adds `GET /openapi.json`.
    public static func add(to router: Router<HublotRequestContext>) {
        router.get("openapi.json") { _, _ in
            guard let data = Self.data else { throw APIError.internal("the OpenAPI document is missing from the build") }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
