import Foundation
import HublotAPI
import Hummingbird
import HublotHTTP

/// The model repository API over HTTP: Triton's extension on `/v2/repository` (index, load, unload; errors
/// in the Open Inference Protocol's shape) and the same on `/v1/models/{name}/load|unload` in Hublot's
/// style; the operations are ``RepositoryService``'s.
public struct RepositoryRoutes: Sendable {
    /// The repository's operations.
    public let repository: RepositoryService
    /// Largest body of a repository request (a few parameters).
    static let maxBodyBytes = 64 << 10

    /// Creates the routes.
    public init(repository: RepositoryService) {
        self.repository = repository
    }

    /// Adds `/v2/repository/...` and `/v1/models/{name}/load|unload` to `router`.
    public func add(to router: Router<HublotRequestContext>) {
        let v2 = router.group("v2/repository").add(middleware: JSONErrorMiddleware(shape: .openInference))
        v2.post("index") { request, _ in
            let asked = try await Self.decode(V2.RepositoryIndexRequest.self, request)
            return try Self.json(await self.repository.index(readyOnly: asked?.ready ?? false))
        }
        v2.post("models/:name/load") { request, context in
            try await self.parameters(request)
            _ = try await self.repository.load(try self.name(context))
            return try Self.json([String: String]())
        }
        v2.post("models/:name/unload") { request, context in
            try await self.parameters(request)
            _ = try await self.repository.unload(try self.name(context))
            return try Self.json([String: String]())
        }
        let v1 = router.group("v1/models")
        v1.post(":name/load") { _, context in try await self.repository.load(try self.name(context)).model }
        v1.post(":name/unload") { _, context in try await self.repository.unload(try self.name(context)).model }
        router.addMethodNotAllowed("/v1/models/:name/load", allowed: [.post])
        router.addMethodNotAllowed("/v1/models/:name/unload", allowed: [.post])
    }

    private func name(_ context: HublotRequestContext) throws -> String {
        let name = try context.parameters.require("name")
        context.annotations.model = name
        return name
    }

    /// Refuses Triton's configuration overrides, which Hublot models do not have.
    private func parameters(_ request: Request) async throws {
        let asked = try await Self.decode(V2.RepositoryModelRequest.self, request)
        try RepositoryService.checkParameters((asked?.parameters ?? [:]).keys)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        let body = try await UploadReader.collect(request.body, maxBytes: Self.maxBodyBytes)
        guard !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw APIError.badRequest("the request body is not the expected JSON: \(error)")
        }
    }

    private static func json<T: Encodable>(_ value: T) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
    }
}
