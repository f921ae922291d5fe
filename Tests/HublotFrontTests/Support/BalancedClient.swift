import HTTPTypes
import HublotHTTP
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

@testable import HublotFront

/// The classifier URL of the balancing tests: a name only their ``ListResolver`` resolves.
let balancedClassifierURL = "http://classifier.test:8000"

/// Runs `body` with a ``ClassifierClient`` of ``balancedClassifierURL`` resolved by `resolver`, its
/// ``ClassifierClientService`` running (the refreshes; the connections closed at the end). A refusing
/// replica is backed off for a minute: longer than any test, so that "skipped" means skipped.
func withBalancedClient<T: Sendable>(
    resolver: ListResolver, balancing: ClassifierBalancing = .leastOutstanding, dnsRefresh: Duration = .zero,
    requestTimeout: Duration = .seconds(30), registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    _ body: @Sendable (ClassifierClient) async throws -> T
) async throws -> T {
    let configuration = FrontConfiguration(
        classifierURL: balancedClassifierURL, requestTimeout: requestTimeout, balancing: balancing, dnsRefresh: dnsRefresh)
    let client = ClassifierClient(
        configuration: configuration, registry: registry, resolver: resolver, logger: Logger(label: "balancing-test"),
        initialBackoff: .seconds(60), maxBackoff: .seconds(60))
    let services = ServiceGroup(
        configuration: .init(services: [ClassifierClientService(client: client)], gracefulShutdownSignals: [], logger: Logger(label: "balancing-test")))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        do {
            let result = try await body(client)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        } catch {
            await services.triggerGracefulShutdown()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// One classification of a few JPEG bytes.
func classifyOnce(_ client: ClassifierClient, _ index: Int = 0) async throws(APIError) -> ClassifierClient.Answer {
    try await client.classify(
        model: "slow", topK: 5, body: ByteBuffer(bytes: [0xFF, 0xD8, 0xFF]), contentType: "image/jpeg", requestID: "balance-\(index)")
}

/// Sends `total` classifications from `workers` concurrent tasks; once `trigger.after` of them are answered,
/// the worker that answered the last of those runs `trigger.action` (while the others go on). Returns the
/// statuses of the answers and the errors of the failures.
func classifyConcurrently(
    _ client: ClassifierClient, total: Int, workers: Int, trigger: (after: Int, action: @Sendable () async -> Void)? = nil
) async -> (statuses: [HTTPResponse.Status], errors: [APIError]) {
    let next = CallCounter()
    let done = CallCounter()
    return await withTaskGroup(of: [Result<HTTPResponse.Status, APIError>].self) { group in
        for _ in 0..<workers {
            group.addTask {
                var results: [Result<HTTPResponse.Status, APIError>] = []
                while true {
                    guard let index = next.increment(below: total) else { return results }
                    do {
                        results.append(.success(try await classifyOnce(client, index).status))
                    } catch {
                        results.append(.failure(ClassifierClient.apiError(for: error)))
                    }
                    if let trigger, done.increment() == trigger.after { await trigger.action() }
                }
            }
        }
        var statuses: [HTTPResponse.Status] = []
        var errors: [APIError] = []
        for await results in group {
            for result in results {
                switch result {
                case .success(let status): statuses.append(status)
                case .failure(let error): errors.append(error)
                }
            }
        }
        return (statuses, errors)
    }
}

/// The value of a series in `registry`'s exposition (`name{labels} value`), 0 when absent.
func metricValue(_ registry: PrometheusCollectorRegistry, _ series: String) -> Double {
    for line in registry.emitToString().split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1)) ?? .nan
    }
    return 0
}

/// The series of requests sent to `replica`.
func requestsSeries(_ replica: ReplicaAddress) -> String {
    "hublot_front_classifier_requests_total{replica=\"\(replica.authority)\"}"
}

/// The series of retries.
let retriesSeries = "hublot_front_classifier_retries_total"
