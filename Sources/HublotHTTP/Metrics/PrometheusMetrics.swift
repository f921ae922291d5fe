import Hummingbird
import Prometheus

/// The process-wide Prometheus registry a server uses by default, and what `/metrics` needs.
///
/// Nothing reports through the global swift-metrics backend: every metric is registered directly in a
/// `PrometheusCollectorRegistry` an application is given (default: ``registry``), so a test gives each
/// application it builds its own registry and parallel suites never see each other's series.
public enum PrometheusMetrics {
    /// The registry of the process: the executables' applications report into it and serve it.
    public static let registry = PrometheusCollectorRegistry()

    /// The `Content-Type` of the Prometheus text exposition format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

extension Router {
    /// Adds `GET path` (default `/metrics`) answering `registry` in the Prometheus text format.
    public func addMetricsRoute(_ path: RouterPath = "/metrics", registry: PrometheusCollectorRegistry) {
        self.get(path) { _, _ in
            Response(
                status: .ok, headers: [.contentType: PrometheusMetrics.contentType],
                body: .init(byteBuffer: ByteBuffer(string: registry.emitToString())))
        }
    }
}
