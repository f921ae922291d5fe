import CONNXRuntime
import Synchronization

/// An ONNX Runtime environment (`OrtEnv`): logging and global state shared by sessions, and
/// optionally the process's ONE intra-op thread pool shared by every session (`globalThreads`).
///
/// ONNX Runtime keeps one environment per process: while one is alive, creating another returns
/// the same one, with the thread pools it was created with. ``globalThreads`` reports those, so
/// sessions always match the environment they run in. ORT's environment is thread-safe, hence
/// `@unchecked Sendable`. Released when the last reference goes away.
public final class OrtEnvironment: @unchecked Sendable {
    let api: OrtAPI
    let pointer: OpaquePointer

    /// The global thread pools of the process's environment, or nil when each session has its own
    /// (``RuntimeConfiguration/intraOpThreads``).
    public let globalThreads: GlobalThreadPools?

    /// The ONNX Runtime library version loaded at run time, e.g. "1.32.0".
    public var runtimeVersion: String { api.version }

    /// Live environments and the thread pools the process's OrtEnv was created with.
    private static let live = Mutex<(count: Int, globalThreads: GlobalThreadPools?)>((0, nil))

    /// Creates (or joins) the process's environment, logging warnings and errors only. With
    /// `globalThreads`, its sessions share one intra-op pool of that many threads (unless an
    /// environment without global pools is alive already: then `globalThreads` is nil).
    public init(logIdentifier: String = "hublot", globalThreads: GlobalThreadPools? = nil) throws(HublotError) {
        let api = try OrtAPI.get()
        let (env, actual) = try Self.live.withLock { live throws(HublotError) -> (OpaquePointer, GlobalThreadPools?) in
            let wanted = live.count == 0 ? globalThreads : live.globalThreads
            var env: OpaquePointer?
            if let wanted {
                var threading: OpaquePointer?
                try api.check(api.table.CreateThreadingOptions(&threading), .modelLoadFailed, "cannot create ONNX Runtime threading options")
                guard let threading else { throw HublotError(.modelLoadFailed, "ONNX Runtime returned no threading options") }
                defer { api.table.ReleaseThreadingOptions(threading) }
                let context = "cannot configure ONNX Runtime's global thread pools"
                try api.check(api.table.SetGlobalIntraOpNumThreads(threading, Int32(wanted.intraOpThreads)), .modelLoadFailed, context)
                try api.check(api.table.SetGlobalInterOpNumThreads(threading, 1), .modelLoadFailed, context)
                try api.check(api.table.SetGlobalSpinControl(threading, wanted.spinWaiting ? 1 : 0), .modelLoadFailed, context)
                try api.check(
                    api.table.CreateEnvWithGlobalThreadPools(ORT_LOGGING_LEVEL_ERROR, logIdentifier, threading, &env),
                    .modelLoadFailed, "cannot create the ONNX Runtime environment")
            } else {
                try api.check(
                    api.table.CreateEnv(ORT_LOGGING_LEVEL_ERROR, logIdentifier, &env),
                    .modelLoadFailed, "cannot create the ONNX Runtime environment")
            }
            guard let env else { throw HublotError(.modelLoadFailed, "ONNX Runtime returned no environment") }
            if live.count == 0 { live.globalThreads = wanted }
            live.count += 1
            return (env, wanted)
        }
        self.api = api
        self.pointer = env
        self.globalThreads = actual
    }

    deinit {
        Self.live.withLock { live in
            api.table.ReleaseEnv(pointer)
            live.count -= 1
        }
    }
}

/// The process's one intra-op thread pool, shared by every ONNX Runtime session
/// (`CreateEnvWithGlobalThreadPools`; sessions call `DisablePerSessionThreads`).
public struct GlobalThreadPools: Sendable, Equatable {
    /// Threads of the shared intra-op pool.
    public var intraOpThreads: Int
    /// Whether idle pool threads spin between operators (see ``RuntimeConfiguration/spinWaiting``).
    public var spinWaiting: Bool

    /// A pool of `intraOpThreads` threads (default: the cores available to the process).
    public init(intraOpThreads: Int? = nil, spinWaiting: Bool = false) {
        self.intraOpThreads = max(1, intraOpThreads ?? RuntimeConfiguration.availableCores)
        self.spinWaiting = spinWaiting
    }
}
