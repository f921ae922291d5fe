import Hummingbird
import Logging
import Prometheus

extension Router where Context: AnnotatedRequestContext {
    /// Adds the standard Hublot middleware stack, outermost first: ``RequestIDMiddleware``,
    /// ``ResponseHeadersMiddleware`` (`responseHeaders`, when any), ``AccessLogMiddleware``,
    /// ``HTTPMetricsMiddleware`` (requests by route/method/status and their duration, into `registry`),
    /// ``UnreadBodyDrainMiddleware`` (the unread body of a `Connection: close` request, up to
    /// ``RequestBodyReader/drainFactor`` times `bodyLimit` within `bodyTimeout`) and ``JSONErrorMiddleware``,
    /// the server's error renderer.
    public func addHublotMiddleware(
        registry: PrometheusCollectorRegistry, bodyLimit: Int, bodyTimeout: Duration, accessLogLevel: Logger.Level = .info,
        responseHeaders: HTTPFields = [:]
    ) {
        self.addMiddleware {
            RequestIDMiddleware<Context>()
            ResponseHeadersMiddleware<Context>(headers: responseHeaders)
            AccessLogMiddleware<Context>(level: accessLogLevel)
            HTTPMetricsMiddleware<Context>(registry: registry)
            UnreadBodyDrainMiddleware<Context>(limit: bodyLimit * RequestBodyReader.drainFactor, timeout: bodyTimeout)
            JSONErrorMiddleware<Context>()
        }
    }
}
