import HublotHTTP

/// The model repository's operations, whatever the transport (Triton's repository extension over HTTP
/// in ``RepositoryRoutes``, over gRPC in ``InferenceGRPCService``): the index, loads and unloads. Loads
/// and unloads are allowed under `explicit` model control only, as in Triton.
public struct RepositoryService: Sendable {
    /// Performs the loads and unloads.
    public let manager: ModelManager
    /// The server's model control.
    public let control: ModelControl

    /// Creates the service.
    public init(manager: ModelManager, control: ModelControl) {
        self.manager = manager
        self.control = control
    }

    /// Every model of the repository (the ready ones only with `readyOnly`), with its version and state
    /// (`READY`, `LOADING`, `UNAVAILABLE`); under `explicit` control the repository is scanned first.
    public func index(readyOnly: Bool) async -> [V2.RepositoryIndexEntry] {
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

    /// Loads the repository's current version of `name`; returns once it is ready.
    public func load(_ name: String) async throws -> ModelEntry {
        try self.allowed("load")
        return try await self.manager.load(name)
    }

    /// Unloads `name` once its admitted requests are answered.
    public func unload(_ name: String) async throws -> ModelEntry {
        try self.allowed("unload")
        return try await self.manager.unload(name)
    }

    /// Refuses a load or unload request's parameters other than Triton's `unload_dependents` (Hublot models
    /// take no configuration overrides and have no dependents) with 400.
    public static func checkParameters(_ names: some Sequence<String>) throws {
        let unsupported = names.filter { $0 != "unload_dependents" }.sorted()
        guard unsupported.isEmpty else {
            throw APIError.badRequest("unsupported parameters: \(unsupported.joined(separator: ", ")) (Hublot models take no configuration overrides)")
        }
    }

    private func allowed(_ what: String) throws {
        guard self.control == .explicit else {
            throw APIError.modelControl(
                "cannot \(what) models through the API: the classifier runs with --model-control \(self.control)"
                    + (self.control == .poll ? " (it loads and unloads what the repository holds by itself)" : "")
                    + "; start it with --model-control explicit")
        }
    }
}
