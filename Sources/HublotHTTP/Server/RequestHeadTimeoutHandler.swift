import NIOCore
import NIOHTTPTypes

/// Closes a connection whose next request head has not fully arrived within a time limit, counted from
/// the connection's start and from the end of each answer: a client trickling its headers a byte at a time
/// (slowloris) cannot keep a connection forever, which the idle timeout alone (reset by every byte) allows.
/// Added to Hummingbird's HTTP/1 pipeline with ``HublotServer/http1(idleTimeout:requestHeadTimeout:)``.
public final class RequestHeadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Request parts, passed on.
    public typealias InboundIn = HTTPRequestPart
    /// Request parts, passed on.
    public typealias InboundOut = HTTPRequestPart
    /// Response parts, passed on.
    public typealias OutboundIn = HTTPResponsePart
    /// Response parts, passed on.
    public typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    /// Creates the handler for one connection.
    public init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    /// Starts the clock when added to an active connection.
    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.arm(context) }
    }

    /// Stops the clock.
    public func handlerRemoved(context: ChannelHandlerContext) {
        self.disarm()
    }

    /// Starts the clock when the connection opens.
    public func channelActive(context: ChannelHandlerContext) {
        self.arm(context)
        context.fireChannelActive()
    }

    /// Stops the clock when the connection closes.
    public func channelInactive(context: ChannelHandlerContext) {
        self.disarm()
        context.fireChannelInactive()
    }

    /// A complete head stops the clock.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = self.unwrapInboundIn(data) { self.disarm() }
        context.fireChannelRead(data)
    }

    /// The end of an answer starts the clock for the next head.
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = self.unwrapOutboundIn(data) { self.arm(context) }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        self.disarm()
        self.deadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: self.timeout) {
            context.close(promise: nil)
        }
    }

    private func disarm() {
        self.deadline?.cancel()
        self.deadline = nil
    }
}

@available(*, unavailable)
extension RequestHeadTimeoutHandler: Sendable {}
