import CONNXRuntime
import Foundation

/// How ONNX Runtime sessions are set up.
public struct RuntimeConfiguration: Sendable, Equatable {
    /// Threads ONNX Runtime uses inside one operator (intra-op parallelism), when the session has its
    /// own pool (an environment without ``GlobalThreadPools``).
    public var intraOpThreads: Int
    /// Whether ORT applies every graph optimisation (`ORT_ENABLE_ALL`); off means `ORT_DISABLE_ALL`.
    public var optimizeGraph: Bool
    /// Whether idle intra-op threads spin (ORT's default) instead of sleeping between operators.
    /// Spinning shaves latency off a lone run, but in a server it burns the cores that decoding and
    /// HTTP need: the classifier turns it off (measured: +110 % throughput on 2 cores, bench/results).
    public var spinWaiting: Bool

    /// Creates a configuration; `intraOpThreads` defaults to the cores available to this process.
    public init(intraOpThreads: Int? = nil, optimizeGraph: Bool = true, spinWaiting: Bool = true) {
        self.intraOpThreads = max(1, intraOpThreads ?? RuntimeConfiguration.availableCores)
        self.optimizeGraph = optimizeGraph
        self.spinWaiting = spinWaiting
    }

    /// The cores this process may run on (honours CPU affinity, e.g. a container's cpuset): the
    /// one way Hublot counts cores (ORT threads, the classifier's decode threads).
    public static var availableCores: Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
