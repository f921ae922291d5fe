import HublotHTTP
import Prometheus
import Synchronization

/// The bytes the front may hold for uploads in flight, across all requests: each upload reserves its
/// size (its `Content-Length`, else the largest upload allowed) before its body is read and gives it
/// back once answered; when the budget is spent, the upload is refused with 503 `overloaded` and
/// `Retry-After` instead of growing the process past its memory limit. Metrics:
/// `hublot_front_upload_bytes_reserved` (gauge) and `hublot_front_uploads_shed_total` (counter).
public final class UploadBudget: Sendable {
    /// The whole budget in bytes.
    public let capacity: Int
    private let reserved = Mutex(0)
    private let reservedGauge: Gauge
    private let shed: Counter

    /// Creates a budget of `capacity` bytes whose metrics live in `registry`.
    public init(capacity: Int, registry: PrometheusCollectorRegistry) {
        self.capacity = capacity
        self.reservedGauge = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "hublot", subsystem: "front", metricName: "upload_bytes", unitName: "reserved",
                helpText: "Bytes of uploads in flight held by the front."))
        self.shed = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "hublot", subsystem: "front", metricName: "uploads_shed", unitName: "total",
                helpText: "Uploads refused with 503 because the upload budget was spent."))
    }

    /// The bytes currently reserved.
    public var inUse: Int { reserved.withLock { $0 } }

    /// Runs `body` holding `bytes` of the budget, or throws 503 `overloaded` at once when they are not free.
    public func withReservation<T>(of bytes: Int, _ body: () async throws -> T) async throws -> T {
        let granted = reserved.withLock { inUse -> Int? in
            guard inUse + bytes <= capacity else { return nil }
            inUse += bytes
            return inUse
        }
        guard let total = granted else {
            shed.increment()
            throw APIError.overloaded("the front is receiving too many uploads right now; retry shortly", retryAfterSeconds: 2)
        }
        reservedGauge.set(to: Double(total))
        defer { reservedGauge.set(to: Double(reserved.withLock { $0 -= bytes; return $0 })) }
        return try await body()
    }
}
