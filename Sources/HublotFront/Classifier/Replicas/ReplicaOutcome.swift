import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How one request to a replica ended, as far as choosing replicas and retrying are concerned.
public enum ReplicaOutcome: Sendable, Equatable {
    /// A response head arrived, whatever its status: the replica is up.
    case answered
    /// No connection could be made (refused, unreachable, connect timeout): the replica backs off, the
    /// request may go to another one, and the name is resolved again.
    case refused
    /// The connection was closed or reset before the response head (or none was granted in time): nothing
    /// of an answer arrived, so the request may go to another replica; the replica is not backed off.
    case closedBeforeAnswer
    /// Anything else: the request timed out after it was sent, was cancelled, or failed otherwise. Never
    /// retried: a replica that is only slow would get the same work twice.
    case failed

    /// Whether the request may go to another replica: after `refused` always (it never left the front: each
    /// other replica in turn), after `closedBeforeAnswer` once (it may have reached the replica), so not when
    /// it was already sent again after such a close.
    public func allowsRetry(resentAfterClose: Bool) -> Bool {
        switch self {
        case .refused: true
        case .closedBeforeAnswer: !resentAfterClose
        case .answered, .failed: false
        }
    }

    /// The outcome of `error`, thrown before any response head arrived.
    public init(errorBeforeAnswer error: any Error) {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: self = .refused
            case .remoteConnectionClosed, .getConnectionFromPoolTimeout: self = .closedBeforeAnswer
            default: self = .failed
            }
        } else if error is NIOConnectionError {
            self = .refused
        } else if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: self = .refused
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed: self = .closedBeforeAnswer
            default: self = .failed
            }
        } else if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ETIMEDOUT, EADDRNOTAVAIL: self = .refused
            case ECONNRESET, EPIPE, ECONNABORTED: self = .closedBeforeAnswer
            default: self = .failed
            }
        } else {
            self = .failed
        }
    }
}
