import Hummingbird
import Logging
import Prometheus

extension Router where Context: AnnotatedRequestContext {
    /// Adds the standard Hublot middleware stack, outermost first: ``RequestIDMiddleware``,
    /// ``ResponseHeadersMiddleware`` (`responseHeaders`, when any), ``AccessLogMiddleware``,
    /// ``HTTPMetricsMiddleware`` (requests by route/method/status and their duration, into `registry`) and
    /// ``JSONErrorMiddleware``, the server's error renderer.
    public func addHublotMiddleware(
        registry: PrometheusCollectorRegistry, accessLogLevel: Logger.Level = .info, responseHeaders: HTTPFields = [:]
    ) {
        self.addMiddleware {
            RequestIDMiddleware<Context>()
            ResponseHeadersMiddleware<Context>(headers: responseHeaders)
            AccessLogMiddleware<Context>(level: accessLogLevel)
            HTTPMetricsMiddleware<Context>(registry: registry)
            JSONErrorMiddleware<Context>()
        }
    }
}
