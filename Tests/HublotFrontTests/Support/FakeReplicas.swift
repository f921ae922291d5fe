import Foundation
import HTTPTypes
import Hummingbird
import HublotFront
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The classifier's name resolved to a list the test sets: each answer is also reported on ``answers``,
/// so a test waits for a refresh as an event. Fails (as a name that does not resolve) while ``failing``.
final class ListResolver: ClassifierResolver {
    private let state: Mutex<(addresses: [ReplicaAddress], failing: Bool, calls: Int)>
    private let continuation: AsyncStream<[ReplicaAddress]>.Continuation
    /// Every answer given, in order (the addresses; empty for a failure).
    let answers: AsyncStream<[ReplicaAddress]>

    init(_ addresses: [ReplicaAddress], failing: Bool = false) {
        state = Mutex((addresses, failing, 0))
        (answers, continuation) = AsyncStream.makeStream(of: [ReplicaAddress].self)
    }

    /// What the next resolutions answer.
    var addresses: [ReplicaAddress] {
        get { state.withLock { $0.addresses } }
        set { state.withLock { $0.addresses = newValue } }
    }

    /// Whether the next resolutions fail.
    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    /// How many resolutions were asked.
    var calls: Int { state.withLock { $0.calls } }

    func resolve(host: String, port: Int) async throws -> [ReplicaAddress] {
        let (addresses, failing) = state.withLock { state in
            state.calls += 1
            return (state.addresses, state.failing)
        }
        continuation.yield(failing ? [] : addresses)
        if failing { throw ClassifierResolutionError(host: host, reason: "test resolver failing") }
        return addresses
    }

    /// Waits until `count` more answers equal to `addresses` were given.
    func waitForAnswers(_ addresses: [ReplicaAddress], count: Int) async {
        var seen = 0
        for await answer in answers where answer == addresses {
            seen += 1
            if seen == count { return }
        }
    }
}

/// A fake classifier replica on 127.0.0.1 (an ephemeral port) that a test starts and stops at will: its
/// classify answers ``fakeClassification()`` (after `delay`), or 503 `overloaded` when `overloaded`.
final class FakeReplica: Sendable {
    /// Its port.
    var port: Int { app.port }
    private let calls: CallCounter
    private let app: LocalApp

    private init(calls: CallCounter, app: LocalApp) {
        self.calls = calls
        self.app = app
    }

    /// Its address, as a resolver gives it.
    var address: ReplicaAddress { ReplicaAddress(host: "127.0.0.1", port: port) }

    /// Classify requests received.
    var classifyCalls: Int { calls.value }

    /// Starts a replica and returns once it listens.
    static func start(overloaded: Bool = false, delay: Duration = .zero) async throws -> FakeReplica {
        let counter = CallCounter()
        let router = Router()
        router.get("/v2/health/ready") { _, _ in HTTPResponse.Status.ok }
        router.post("/v1/models/{name}/classify") { request, _ in
            counter.increment()
            _ = try await request.body.collect(upTo: 1 << 20)
            if delay > .zero { try await Task.sleep(for: delay) }
            if overloaded {
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "application/json", .retryAfter: "3"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"code":"overloaded","message":"The queue is full."}}"#)))
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(fakeClassification()))))
        }
        return FakeReplica(calls: counter, app: try await LocalApp.start(router: router, label: "fake-replica"))
    }

    /// Stops it gracefully (requests in flight are answered, then nothing listens on its port) and waits.
    func stop() async {
        try? await app.stop()  // a replica that failed while serving has stopped already
    }
}

/// A shared count, for a router's closure.
final class CallCounter: Sendable {
    private let count = Mutex(0)
    /// The count.
    var value: Int { count.withLock { $0 } }
    /// Counts one more; returns the new count.
    @discardableResult func increment() -> Int { count.withLock { $0 += 1; return $0 } }
    /// Counts one more and returns the new count, unless the count has reached `limit`.
    func increment(below limit: Int) -> Int? {
        count.withLock { value in
            guard value < limit else { return nil }
            value += 1
            return value
        }
    }
}

/// A replica that accepts connections and closes each as soon as a request's first bytes arrive, without
/// answering: a classifier that crashed mid-request.
final class ClosingReplica: Sendable {
    private let channel: any Channel
    private let counter: CallCounter
    /// Its address (kept: a closed channel has none).
    let address: ReplicaAddress

    private init(channel: any Channel, counter: CallCounter) {
        self.channel = channel
        self.counter = counter
        self.address = ReplicaAddress(host: "127.0.0.1", port: channel.localAddress?.port ?? 0)
    }

    /// Requests it closed on.
    var closedRequests: Int { counter.value }

    /// Listens on 127.0.0.1, an ephemeral port.
    static func start() async throws -> ClosingReplica {
        let counter = CallCounter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CloseOnRead(counter: counter)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ClosingReplica(channel: channel, counter: counter)
    }

    /// Stops listening.
    func stop() async throws {
        try await channel.close()
    }

    private final class CloseOnRead: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let counter: CallCounter
        var closing = false
        init(counter: CallCounter) { self.counter = counter }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !closing else { return }
            closing = true
            counter.increment()
            context.close(promise: nil)
        }
    }
}
