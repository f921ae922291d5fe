import HTTPTypes
import HublotHTTP
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// The request head deadline, on an embedded channel whose clock the test moves (no sleeping).
@Suite struct RequestHeadTimeoutHandlerTests {
    private func connectedChannel() throws -> (EmbeddedChannel, EmbeddedEventLoop) {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: RequestHeadTimeoutHandler(timeout: .seconds(5)), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return (channel, loop)
    }

    @Test func aConnectionWhoseHeadDoesNotArriveInTimeIsClosed() throws {
        let (channel, loop) = try connectedChannel()
        loop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func aHeadInTimeStopsTheClockUntilTheAnswerEnds() throws {
        let (channel, loop) = try connectedChannel()
        loop.advanceTime(by: .seconds(4))
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/")))
        loop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        loop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }
}
