import HTTPTypes
import HublotHTTP
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// Stands for the socket under the handler: records the output shutdown and the read requests
/// (EmbeddedChannel would close the whole channel on `close(mode: .output)`).
private final class SocketRecorder: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    var outputClosed = false
    var reads = 0

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .output else { return context.close(mode: mode, promise: promise) }
        self.outputClosed = true
        promise?.succeed(())
    }

    func read(context: ChannelHandlerContext) {
        self.reads += 1
        context.read()
    }
}

/// The lingering close, on an embedded channel whose clock the test moves (no sleeping).
@Suite struct LingeringCloseHandlerTests {
    private let body = HTTPRequestPart.body(ByteBuffer(repeating: 0xFF, count: 1000))

    private func connectedChannel() throws -> (EmbeddedChannel, EmbeddedEventLoop, SocketRecorder) {
        let loop = EmbeddedEventLoop()
        let recorder = SocketRecorder()
        let channel = EmbeddedChannel(
            handlers: [recorder, LingeringCloseHandler(time: .seconds(30), idleTime: .seconds(5))], loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return (channel, loop, recorder)
    }

    @Test func requestPartsReachTheApplicationUntilTheServerShutsItsOutput() throws {
        let (channel, _, recorder) = try connectedChannel()
        try channel.writeInbound(body)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == body)
        channel.close(mode: .output, promise: nil)
        #expect(recorder.outputClosed)
        #expect(channel.isActive)
        try channel.writeInbound(body)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil)
    }

    @Test func whileLingeringTheHandlerKeepsAskingForInput() throws {
        let (channel, _, recorder) = try connectedChannel()
        try channel.writeInbound(body)
        let before = recorder.reads
        channel.close(mode: .output, promise: nil)
        #expect(recorder.reads == before + 1)
        try channel.writeInbound(body)  // a read, then its read-complete
        #expect(recorder.reads == before + 2)
    }

    @Test func theClientShuttingItsSideEndsTheLingering() throws {
        let (channel, _, _) = try connectedChannel()
        channel.close(mode: .output, promise: nil)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!channel.isActive)
    }

    @Test func aClientThatStopsSendingIsLeftAfterTheIdleTime() throws {
        let (channel, loop, _) = try connectedChannel()
        channel.close(mode: .output, promise: nil)
        loop.advanceTime(by: .seconds(4))
        try channel.writeInbound(body)
        loop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func aClientThatKeepsSendingIsLeftAfterTheLingeringTime() throws {
        let (channel, loop, _) = try connectedChannel()
        channel.close(mode: .output, promise: nil)
        for _ in 0..<7 {
            loop.advanceTime(by: .seconds(4))
            try channel.writeInbound(body)
        }
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(3))
        #expect(!channel.isActive)
    }

    @Test func aClientWhoseSideIsAlreadyShutIsClosedAtOnce() throws {
        let (channel, _, recorder) = try connectedChannel()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(channel.isActive)
        channel.close(mode: .output, promise: nil)
        #expect(!recorder.outputClosed)
        #expect(!channel.isActive)
    }

    @Test func aFullCloseDoesNotLinger() throws {
        let (channel, loop, _) = try connectedChannel()
        channel.close(promise: nil)
        loop.run()
        #expect(!channel.isActive)
    }
}
