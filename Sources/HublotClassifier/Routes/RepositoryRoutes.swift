import Foundation
import HublotAPI
import Hummingbird
import HublotHTTP

/// The model repository API: Triton's extension on `/v2/repository` (index, load, unload; errors in the
/// Open Inference Protocol's shape) and the same on `/v1/models/{name}/load|unload` in Hublot's style.
/// Loads and unloads are allowed under `explicit` model control only, as in Triton.
public struct RepositoryRoutes: Sendable {
    /// Performs the loads and unloads.
    public let manager: ModelManager
    /// The server's model control.
    public let control: ModelControl
    /// Largest body of a repository request (a few parameters).
    static let maxBodyBytes = 64 << 10

    /// Creates the routes.
    public init(manager: ModelManager, control: ModelControl) {
        self.manager = manager
        self.control = control
    }

    /// Adds `/v2/repository/...` and `/v1/models/{name}/load|unload` to `router`.
    public func add(to router: Router<HublotRequestContext>) {
        let v2 = router.group("v2/repository").add(middleware: JSONErrorMiddleware(shape: .openInference))
        v2.post("index") { request, _ in
            let asked = try await Self.decode(V2.RepositoryIndexRequest.self, request)
            return try Self.json(try await self.index(readyOnly: asked?.ready ?? false))
        }
        v2.post("models/:name/load") { request, context in
            try await self.parameters(request)
            _ = try await self.load(try self.name(context))
            return try Self.json([String: String]())
        }
        v2.post("models/:name/unload") { request, context in
            try await self.parameters(request)
            _ = try await self.unload(try self.name(context))
            return try Self.json([String: String]())
        }
        let v1 = router.group("v1/models")
        v1.post(":name/load") { _, context in try await self.load(try self.name(context)).model }
        v1.post(":name/unload") { _, context in try await self.unload(try self.name(context)).model }
        router.addMethodNotAllowed("/v1/models/:name/load", allowed: [.post])
        router.addMethodNotAllowed("/v1/models/:name/unload", allowed: [.post])
    }

    /// Every model the server knows (under explicit control, with the repository's new folders), in
    /// Triton's states.
    func index(readyOnly: Bool) async throws -> [V2.RepositoryIndexEntry] {
        if self.control == .explicit { await self.manager.scan(apply: false) }
        return self.manager.registry.entries.compactMap { entry in
            if readyOnly && !entry.state.isReady { return nil }
            let state =
                switch entry.state {
                case .ready: "READY"
                case .loading: "LOADING"
                case .failed, .unavailable: "UNAVAILABLE"
                }
            return V2.RepositoryIndexEntry(name: entry.summary.name, version: entry.version, state: state, reason: entry.reason)
        }
    }

    private func load(_ name: String) async throws -> ModelEntry {
        try self.allowed("load")
        return try await self.manager.load(name)
    }

    private func unload(_ name: String) async throws -> ModelEntry {
        try self.allowed("unload")
        return try await self.manager.unload(name)
    }

    private func allowed(_ what: String) throws {
        guard self.control == .explicit else {
            throw APIError.modelControl(
                "cannot \(what) models through the API: the classifier runs with --model-control \(self.control)"
                    + (self.control == .poll ? " (it loads and unloads what the repository holds by itself)" : "")
                    + "; start it with --model-control explicit")
        }
    }

    private func name(_ context: HublotRequestContext) throws -> String {
        let name = try context.parameters.require("name")
        context.annotations.model = name
        return name
    }

    /// Refuses Triton's configuration overrides, which Hublot models do not have.
    private func parameters(_ request: Request) async throws {
        let asked = try await Self.decode(V2.RepositoryModelRequest.self, request)
        let unsupported = (asked?.parameters ?? [:]).keys.filter { $0 != "unload_dependents" }.sorted()
        guard unsupported.isEmpty else {
            throw APIError.badRequest("unsupported parameters: \(unsupported.joined(separator: ", ")) (Hublot models take no configuration overrides)")
        }
    }

    /// The JSON body, if any.
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
