import Hummingbird
import HummingbirdCore
import NIOCore

/// The HTTP/1 server both Hublot servers run: Hummingbird's, with the connection timeouts set.
public enum HublotServer {
    /// The longest a connection lingers after its last answer, reading and dropping what the client still
    /// sends (``LingeringCloseHandler``; nginx's `lingering_time` default).
    public static let lingeringTime = TimeAmount.seconds(30)
    /// The longest a lingering connection waits for more of the client's bytes (nginx's `lingering_timeout` default).
    public static let lingeringIdleTime = TimeAmount.seconds(5)

    /// Hummingbird's HTTP/1 server closing a connection without reads or writes for `idleTimeout`, and one
    /// whose next request head has not fully arrived `requestHeadTimeout` after it opened or after the
    /// previous answer (``RequestHeadTimeoutHandler``); a connection that ends with an answer lingers to
    /// read and drop the rest of the request (``LingeringCloseHandler``).
    public static func http1(idleTimeout: Duration, requestHeadTimeout: Duration) -> HTTPServerBuilder {
        let headTimeout = TimeAmount(requestHeadTimeout)
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [
                    LingeringCloseHandler(time: lingeringTime, idleTime: lingeringIdleTime),
                    RequestHeadTimeoutHandler(timeout: headTimeout),
                ],
                idleTimeout: TimeAmount(idleTimeout)))
    }
}
