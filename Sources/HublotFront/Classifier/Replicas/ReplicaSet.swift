import Logging
import NIOConcurrencyHelpers
import Prometheus

/// The classifier's replicas for one front, around ``ReplicaSetStateMachine``: resolves the classifier's
/// host to all its addresses (at start, every `refreshInterval`, and when a replica refuses a connection),
/// picks the replica of each request and learns from how it ended. Resolutions run off the request path,
/// one at a time: a request uses the last known set and waits for a resolution only when none is known yet.
/// The state changes under a lock; logging, metrics and resolutions happen after releasing it.
///
/// Metrics: `hublot_front_classifier_requests_total{replica}` (each request sent, retries included),
/// `hublot_front_classifier_retries_total` and the gauge `hublot_front_classifier_replicas` (addresses known).
final class ReplicaSet: Sendable {
    /// The classifier URL, taken apart.
    let target: ClassifierTarget
    private let machine: NIOLockedValueBox<ReplicaSetStateMachine>
    /// The resolution running, which callers of ``refresh()`` share.
    private let resolution = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private let resolver: any ClassifierResolver
    private let refreshInterval: Duration
    private let logger: Logger
    private let registry: PrometheusCollectorRegistry
    private let retries: Counter
    private let known: Gauge

    /// The replicas of `target`, chosen by `balancing`, resolved by `resolver` every `refreshInterval`
    /// (zero: at start and after a refusal only), backing off refusing replicas from `initialBackoff` to `maxBackoff`.
    init(
        target: ClassifierTarget, balancing: ClassifierBalancing, refreshInterval: Duration, resolver: any ClassifierResolver,
        registry: PrometheusCollectorRegistry, logger: Logger, initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(30)
    ) {
        self.target = target
        self.resolver = resolver
        self.refreshInterval = refreshInterval
        self.logger = logger
        self.registry = registry
        var machine = ReplicaSetStateMachine(balancing: balancing, initialBackoff: initialBackoff, maxBackoff: maxBackoff)
        if let fixed = target.fixedReplica { _ = machine.resolved([fixed], now: .now) }
        self.machine = NIOLockedValueBox(machine)
        self.retries = registry.makeCounter(descriptor: Self.descriptor("retries", "total", "Requests sent again to another classifier replica."))
        self.known = registry.makeGauge(descriptor: Self.descriptor("replicas", "", "Classifier replica addresses known to the front."))
        self.known.set(to: Double(machine.addresses.count))
    }

    /// The addresses known now.
    var addresses: [ReplicaAddress] { machine.withLockedValue { $0.addresses } }

    /// Picks the replica of a request (none of `excluding`, the replicas a retry leaves) and counts it. When no
    /// address is known yet, a first request waits for a resolution; a retry never does (nil: no other replica).
    func pick(excluding: Set<ReplicaAddress> = []) async -> ReplicaAddress? {
        var picked = machine.withLockedValue { $0.pick(now: .now, excluding: excluding) }
        if picked == nil, excluding.isEmpty {
            await refresh()
            picked = machine.withLockedValue { $0.pick(now: .now) }
        }
        if let picked {
            registry.makeCounter(descriptor: Self.requests, labels: [("replica", picked.authority)]).increment()
        }
        return picked
    }

    /// A request to `replica` ended with `outcome`; a refusal starts a new resolution in the background.
    func finished(_ replica: ReplicaAddress, outcome: ReplicaOutcome) {
        let actions = machine.withLockedValue { $0.finished(replica, outcome: outcome, now: .now) }
        if actions.resolveAgain, target.fixedReplica == nil {
            Task { await self.refresh() }
        }
    }

    /// Counts a retry.
    func recordRetry() {
        retries.increment()
    }

    /// Resolves the classifier's host now, or waits for the resolution already running; an IP literal or
    /// `https` URL is never resolved. A failure keeps the last set (logged at most every 30 s).
    func refresh() async {
        guard target.fixedReplica == nil else { return }
        let task = resolution.withLockedValue { running -> Task<Void, Never> in
            if let running { return running }
            let task = Task {
                await self.resolve()
                self.resolution.withLockedValue { $0 = nil }
            }
            running = task
            return task
        }
        await task.value
    }

    /// Resolves at once, then every `refreshInterval` until cancelled (once only when the interval is zero).
    func refreshPeriodically() async {
        await refresh()
        guard refreshInterval > .zero else { return }
        while true {
            do { try await Task.sleep(for: refreshInterval) } catch { return }
            await refresh()
        }
    }

    private func resolve() async {
        let result: Result<[ReplicaAddress], any Error>
        do {
            let addresses = try await resolver.resolve(host: target.host, port: target.port)
            result = addresses.isEmpty ? .failure(ClassifierResolutionError(host: target.host, reason: "no address")) : .success(addresses)
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let addresses):
            let (change, all) = machine.withLockedValue { ($0.resolved(addresses, now: .now), $0.addresses) }
            known.set(to: Double(all.count))
            guard !change.isEmpty else { return }
            logger.info(
                "classifier replicas changed",
                metadata: [
                    "classifier_host": "\(target.host)", "replicas": "\(all.map(\.authority).joined(separator: " "))",
                    "added": "\(change.added.map(\.authority).joined(separator: " "))",
                    "removed": "\(change.removed.map(\.authority).joined(separator: " "))",
                ])
        case .failure(let error):
            let (log, all) = machine.withLockedValue { ($0.resolutionFailed(now: .now), $0.addresses) }
            guard log else { return }
            logger.warning(
                "cannot resolve the classifier's host; keeping the last known replicas",
                metadata: [
                    "classifier_host": "\(target.host)", "error": "\(error)",
                    "replicas": "\(all.map(\.authority).joined(separator: " "))",
                ])
        }
    }

    static var requests: MetricNameDescriptor {
        descriptor("requests", "total", "Requests sent to each classifier replica, retries included.")
    }

    private static func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hublot", subsystem: "front", metricName: "classifier_\(name)", unitName: unit, helpText: help)
    }
}
