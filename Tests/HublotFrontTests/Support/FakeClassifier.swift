import Foundation
import HTTPTypes
import Hummingbird
import HublotFront
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// What the fake classifier saw, and the model list it answers (a test changes it to play a repository
/// whose models appear, load, fail or go away while the front runs).
final class FakeClassifierRecorder: Sendable {
    private let state = Mutex<(classifyCalls: Int, requestIDs: [String], contentTypes: [String?])>((0, [], []))
    private let list = Mutex(FakeClassifierRecorder.slowList)

    /// The list answered until a test sets another: one ready model, `slow`.
    static let slowList = ClassifierAPI.ModelList(
        default: "slow",
        models: [.init(name: "slow", family: "test", input: .init(height: 224, width: 224), classes: 1000, status: "ready")])

    /// What `GET /v1/models` answers from now on.
    var modelList: ClassifierAPI.ModelList {
        get { list.withLock { $0 } }
        set { list.withLock { $0 = newValue } }
    }

    func record(requestID: String?, contentType: String?) {
        state.withLock {
            $0.classifyCalls += 1
            if let requestID { $0.requestIDs.append(requestID) }
            $0.contentTypes.append(contentType)
        }
    }

    /// How many classify requests arrived.
    var classifyCalls: Int { state.withLock { $0.classifyCalls } }
    /// The `X-Request-Id` of each classify request.
    var requestIDs: [String] { state.withLock { $0.requestIDs } }
    /// The `Content-Type` of each classify request (nil when it had none).
    var contentTypes: [String?] { state.withLock { $0.contentTypes } }
}

/// Runs a tiny fake classifier on 127.0.0.1 whose classify answers after `classifyDelay` (the timeout tests)
/// and whose model list is the recorder's ``FakeClassifierRecorder/modelList`` (the live repository tests).
func withFakeClassifier<T: Sendable>(
    classifyDelay: Duration, _ body: @Sendable (String, FakeClassifierRecorder) async throws -> T
) async throws -> T {
    let recorder = FakeClassifierRecorder()
    let router = Router()
    router.get("/v1/models") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(recorder.modelList))))
    }
    router.get("/v2/health/ready") { _, _ in HTTPResponse.Status.ok }
    router.post("/v1/models/{name}/classify") { request, _ in
        recorder.record(requestID: request.headers[HTTPField.Name("X-Request-Id")!], contentType: request.headers[.contentType])
        try await Task.sleep(for: classifyDelay)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"model":"slow","predictions":[{"index":1,"label":"late","probability":1.0}],"timings":{"decode_ms":1,"preprocess_ms":1,"queue_ms":1,"inference_ms":1,"total_ms":4}}"#)))
    }
    // The server reports the port it bound once it listens: no port guessed beforehand, no polling.
    let (bound, reportBound) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            if let port = channel.localAddress?.port { reportBound.yield(port) }
            reportBound.finish()
        },
        logger: Logger(label: "fake-classifier"))
    let serviceGroup = ServiceGroup(
        configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "fake-classifier")))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { reportBound.finish() }
            try await serviceGroup.run()
        }
        do {
            guard let port = await bound.first(where: { _ in true }) else { throw FixtureError("the fake classifier did not start") }
            let url = "http://127.0.0.1:\(port)"
            let result = try await body(url, recorder)
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}
