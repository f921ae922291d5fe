import Hummingbird
import Logging

extension Router where Context: AnnotatedRequestContext {
    /// Adds the standard Hublot middleware stack, outermost first: ``RequestIDMiddleware``,
    /// ``AccessLogMiddleware``, Hummingbird's `MetricsMiddleware` (requests by route/method/status and
    /// their duration, through swift-metrics: call ``PrometheusMetrics/bootstrap()`` first), and
    /// ``JSONErrorMiddleware``.
    public func addHublotMiddleware(accessLogLevel: Logger.Level = .info) {
        self.addMiddleware {
            RequestIDMiddleware<Context>()
            AccessLogMiddleware<Context>(level: accessLogLevel)
            MetricsMiddleware<Context>()
            JSONErrorMiddleware<Context>()
        }
    }
}
