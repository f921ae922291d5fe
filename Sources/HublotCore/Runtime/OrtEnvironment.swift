import CONNXRuntime

/// An ONNX Runtime environment (`OrtEnv`): logging and global state shared by sessions.
///
/// Create one per process and share it; ORT's environment is thread-safe,
/// hence `@unchecked Sendable`. Released when the last reference goes away.
public final class OrtEnvironment: @unchecked Sendable {
    let api: OrtAPI
    let pointer: OpaquePointer

    /// The ONNX Runtime library version loaded at run time, e.g. "1.32.0".
    public var runtimeVersion: String { api.version }

    /// Creates an environment logging warnings and errors only.
    public init(logIdentifier: String = "hublot") throws(HublotError) {
        let api = try OrtAPI.get()
        var env: OpaquePointer?
        try api.check(
            api.table.CreateEnv(ORT_LOGGING_LEVEL_ERROR, logIdentifier, &env),
            .modelLoadFailed, "cannot create the ONNX Runtime environment")
        guard let env else {
            throw HublotError(.modelLoadFailed, "ONNX Runtime returned no environment")
        }
        self.api = api
        self.pointer = env
    }

    deinit {
        api.table.ReleaseEnv(pointer)
    }
}
