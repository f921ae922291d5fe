import Hummingbird
import Logging

extension Router where Context: AnnotatedRequestContext {
    /// Adds the standard Hublot middleware stack, outermost first: ``RequestIDMiddleware``,
    /// ``ResponseHeadersMiddleware`` (`responseHeaders`, when any), ``AccessLogMiddleware``, Hummingbird's
    /// `MetricsMiddleware` (requests by route/method/status and their duration, through swift-metrics: call
    /// ``PrometheusMetrics/bootstrap()`` first), ``UnreadBodyDrainMiddleware`` (the unread body of a
    /// `Connection: close` request, up to ``RequestBodyReader/drainFactor`` times `bodyLimit` within
    /// `bodyTimeout`) and ``JSONErrorMiddleware``, the server's error renderer.
    public func addHublotMiddleware(
        bodyLimit: Int, bodyTimeout: Duration, accessLogLevel: Logger.Level = .info, responseHeaders: HTTPFields = [:]
    ) {
        self.addMiddleware {
            RequestIDMiddleware<Context>()
            ResponseHeadersMiddleware<Context>(headers: responseHeaders)
            AccessLogMiddleware<Context>(level: accessLogLevel)
            MetricsMiddleware<Context>()
            UnreadBodyDrainMiddleware<Context>(limit: bodyLimit * RequestBodyReader.drainFactor, timeout: bodyTimeout)
            JSONErrorMiddleware<Context>()
        }
    }
}
