import Hummingbird
import HummingbirdCore
import NIOCore

/// The HTTP/1 server both Hublot servers run: Hummingbird's, with the connection timeouts set.
public enum HublotServer {
    /// Hummingbird's HTTP/1 server closing a connection without reads or writes for `idleTimeout`, and one
    /// whose next request head has not fully arrived `requestHeadTimeout` after it opened or after the
    /// previous answer (``RequestHeadTimeoutHandler``).
    public static func http1(idleTimeout: Duration, requestHeadTimeout: Duration) -> HTTPServerBuilder {
        let headTimeout = TimeAmount(requestHeadTimeout)
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [RequestHeadTimeoutHandler(timeout: headTimeout)],
                idleTimeout: TimeAmount(idleTimeout)))
    }
}
