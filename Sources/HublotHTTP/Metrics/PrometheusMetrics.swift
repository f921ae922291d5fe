import Hummingbird
import Metrics
import Prometheus

/// The process-wide Prometheus registry, and the one-time swift-metrics bootstrap that feeds it.
///
/// `MetricsSystem.bootstrap` may run only once per process, so it happens lazily, exactly once, on the
/// first use of ``registry`` or ``bootstrap()``. Applications take a `PrometheusCollectorRegistry`
/// (default: ``registry``) for the metrics they register directly, so a test process that builds many
/// applications never bootstraps twice.
public enum PrometheusMetrics {
    /// The registry swift-metrics reports into (Hummingbird's `MetricsMiddleware` metrics and any
    /// `Counter`/`Timer` created through swift-metrics) and that `/metrics` serves.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.nameAndLabelSanitizer = { name, labels in (Self.prometheusNames[name] ?? name, labels) }
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Prometheus-conventional names for Hummingbird's `MetricsMiddleware` metrics (unit and `_total` suffixes).
    public static let prometheusNames: [String: String] = [
        "hb.requests": "http_server_requests_total",
        "hb.request.errors": "http_server_request_errors_total",
        "http.server.request.duration": "http_server_request_duration_seconds",
    ]

    /// Bootstraps swift-metrics with ``registry`` if not yet done; safe to call any number of times.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        self.registry
    }

    /// The `Content-Type` of the Prometheus text exposition format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

extension Router {
    /// Adds `GET path` (default `/metrics`) answering `registry` in the Prometheus text format.
    public func addMetricsRoute(_ path: RouterPath = "/metrics", registry: PrometheusCollectorRegistry = PrometheusMetrics.registry) {
        self.get(path) { _, _ in
            Response(
                status: .ok, headers: [.contentType: PrometheusMetrics.contentType],
                body: .init(byteBuffer: ByteBuffer(string: registry.emitToString())))
        }
    }
}
