import NIOCore
import NIOHTTPTypes

/// nginx's lingering close for Hummingbird's HTTP/1 connections: once the server has answered and shut its
/// side of the connection, what the client still sends is read and dropped (it never reaches the
/// application) until the client closes its side, stops sending for `idleTime`, or `time` has passed; then
/// the connection closes.
///
/// Hummingbird answers a `Connection: close` request, shuts the connection's output
/// (`close(mode: .output)`: the answer and a FIN leave at once) and waits for the connection to close, but
/// nothing reads its input any more. A client that sends its whole body before reading its answer (a 413
/// for a body over the limit, a 404 for an unknown model, a 400 for a bad parameter) would block on a full
/// TCP window until a timeout; closing at once instead would reset the connection and could destroy the
/// answer before the client read it. With this handler the answer is sent as soon as it is known, however
/// much of the body is still to come. Added to the pipeline by ``HublotServer/http1(idleTimeout:requestHeadTimeout:)``.
public final class LingeringCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Request parts, passed on until the server shuts its output, dropped after.
    public typealias InboundIn = HTTPRequestPart
    /// Request parts, passed on.
    public typealias InboundOut = HTTPRequestPart
    /// Response parts, passed on.
    public typealias OutboundIn = HTTPResponsePart
    /// Response parts, passed on.
    public typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Requests and answers flow.
        case serving(inputClosed: Bool)
        /// The server's output is shut; the input is read and dropped until the connection closes.
        case lingering
        /// The connection is closed or closing.
        case closed
    }

    private let time: TimeAmount
    private let idleTime: TimeAmount
    private var state = State.serving(inputClosed: false)
    private var deadline: Scheduled<Void>?
    private var idleDeadline: Scheduled<Void>?

    /// Creates the handler for one connection: it lingers at most `time`, and at most `idleTime` without input.
    public init(time: TimeAmount, idleTime: TimeAmount) {
        self.time = time
        self.idleTime = idleTime
    }

    /// The server shutting its output starts the lingering (or closes at once when the client's side is
    /// already shut); a full close stops it.
    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch (self.state, mode) {
        case (.serving(inputClosed: false), .output):
            self.state = .lingering
            self.deadline = self.schedule(self.time, context)
            self.idleDeadline = self.schedule(self.idleTime, context)
            context.close(mode: .output, promise: promise)
            context.read()
        case (.serving(inputClosed: true), .output):
            self.finish(context, promise: promise)
        case (_, .all):
            self.finish(context, promise: promise)
        default:
            context.close(mode: mode, promise: promise)
        }
    }

    /// Passes request parts on while serving; drops them, and asks for more, while lingering.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .lingering = self.state else { return context.fireChannelRead(data) }
        self.idleDeadline?.cancel()
        self.idleDeadline = self.schedule(self.idleTime, context)
    }

    /// Keeps reading while lingering: the application reads no more, so nothing else asks the socket for data.
    public func channelReadComplete(context: ChannelHandlerContext) {
        guard case .lingering = self.state else { return context.fireChannelReadComplete() }
        context.read()
    }

    /// The client shutting its side ends the lingering; while serving it is remembered and passed on.
    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            switch self.state {
            case .serving: self.state = .serving(inputClosed: true)
            case .lingering: return self.finish(context, promise: nil)
            case .closed: return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// An error while lingering (a reset, a malformed request after the answer) closes the connection.
    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard case .lingering = self.state else { return context.fireErrorCaught(error) }
        self.finish(context, promise: nil)
    }

    /// Stops the clocks when the connection closes.
    public func channelInactive(context: ChannelHandlerContext) {
        self.state = .closed
        self.disarm()
        context.fireChannelInactive()
    }

    /// Stops the clocks.
    public func handlerRemoved(context: ChannelHandlerContext) {
        self.disarm()
    }

    private func finish(_ context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        self.state = .closed
        self.disarm()
        context.close(mode: .all, promise: promise)
    }

    private func schedule(_ delay: TimeAmount, _ context: ChannelHandlerContext) -> Scheduled<Void> {
        context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: delay) {
            self.finish(context, promise: nil)
        }
    }

    private func disarm() {
        self.deadline?.cancel()
        self.idleDeadline?.cancel()
        self.deadline = nil
        self.idleDeadline = nil
    }
}

@available(*, unavailable)
extension LingeringCloseHandler: Sendable {}
