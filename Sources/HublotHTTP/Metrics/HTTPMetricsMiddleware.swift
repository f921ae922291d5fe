import Hummingbird
import Prometheus

/// Records every request into an injected Prometheus registry: `http_server_requests_total` and
/// `http_server_request_duration_seconds` (route, method, status), `http_server_request_errors_total`
/// (route, method, error status) and the `http_server_active_requests` gauge (method), the series
/// Hummingbird's `MetricsMiddleware` records, which can only report into the process-wide swift-metrics
/// backend. A request counts as active until its response body is written.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The registry the series live in.
    public let registry: PrometheusCollectorRegistry

    /// Creates the middleware recording into `registry`.
    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Counts the request active, runs it, and records it once its response body is written (or it failed).
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method.description
        let active = self.registry.makeGauge(descriptor: Self.activeRequests, labels: [("http_request_method", method)])
        active.increment()
        do {
            var response = try await next(request, context)
            let body = response.body
            let labels = Self.labels(route: context.endpointPath ?? "Unknown", method: method, status: response.status)
            let registry = self.registry
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                defer {
                    Self.recordRequest(in: registry, labels: labels, duration: ContinuousClock.now - start)
                    active.decrement()
                }
                try await body.write(writer)
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let route = context.endpointPath ?? "NotFound"
            Self.recordRequest(in: self.registry, labels: Self.labels(route: route, method: method, status: status), duration: nil)
            self.registry.makeCounter(
                descriptor: Self.errors,
                labels: [("http_route", route), ("http_request_method", method), ("error_type", status.code.description)]
            ).increment()
            active.decrement()
            throw error
        }
    }

    /// The buckets of `http_server_request_duration_seconds`, from 1 ms to 10 s.
    public static var durationBuckets: [Duration] {
        [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
    }

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "http", subsystem: "server", metricName: "requests", unitName: "total", helpText: "HTTP requests by route, method and status.")
    }
    static var errors: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "http", subsystem: "server", metricName: "request_errors", unitName: "total", helpText: "HTTP requests that failed with an error, by route, method and status.")
    }
    static var duration: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "http", subsystem: "server", metricName: "request_duration", unitName: "seconds", helpText: "Time from a request's head to the end of its response body.")
    }
    static var activeRequests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "http", subsystem: "server", metricName: "active_requests", unitName: "", helpText: "HTTP requests in progress by method.")
    }

    /// The labels of a request's counter and histogram.
    static func labels(route: String, method: String, status: HTTPResponse.Status) -> [(String, String)] {
        [("http_route", route), ("http_request_method", method), ("http_response_status_code", status.code.description)]
    }

    /// Counts a request and, when it was answered, records its duration.
    static func recordRequest(in registry: PrometheusCollectorRegistry, labels: [(String, String)], duration: Duration?) {
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
        if let duration {
            registry.makeDurationHistogram(descriptor: Self.duration, labels: labels, buckets: Self.durationBuckets)
                .record(duration)
        }
    }
}
