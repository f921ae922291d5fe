import Foundation
import HTTPTypes
import Hummingbird
import HublotFront
import HublotHTTP
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// What the fake classifier saw, the model list it answers (a test changes it to play a repository
/// whose models appear, load, fail or go away while the front runs) and whether its explanations are shed.
final class FakeClassifierRecorder: Sendable {
    private let state = Mutex<(classifyCalls: Int, requestIDs: [String], contentTypes: [String?])>((0, [], []))
    private let list = Mutex(FakeClassifierRecorder.slowList)
    private let explanations = Mutex<(queries: [String], overloaded: Bool)>(([], false))

    /// The top five the fake's classify answers, most probable first (indices 1 to 5).
    static let topFive = ["late", "tabby", "tiger cat", "lynx", "Egyptian cat"]

    /// When true, explain answers 503 `overloaded` with `Retry-After: 7`, as a classifier whose share for
    /// explanations is full.
    var explainOverloaded: Bool {
        get { explanations.withLock { $0.overloaded } }
        set { explanations.withLock { $0.overloaded = newValue } }
    }

    /// The path and query of each explain request, in arrival order.
    var explainQueries: [String] { explanations.withLock { $0.queries } }

    func recordExplain(_ query: String) {
        explanations.withLock { $0.queries.append(query) }
    }

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

/// Runs a tiny fake classifier on 127.0.0.1 whose classify answers after `classifyDelay` (the timeout tests),
/// whose model list is the recorder's ``FakeClassifierRecorder/modelList`` (the live repository tests) and whose
/// explain answers ``fakeExplanation(grid:classes:)`` or, when the recorder says so, 503 `overloaded`.
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
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(fakeClassification()))))
    }
    router.post("/v1/models/{name}/explain") { request, context in
        recorder.recordExplain(request.uri.description)
        _ = try await request.body.collect(upTo: 1 << 24)
        if recorder.explainOverloaded {
            return Response(
                status: .serviceUnavailable, headers: [.contentType: "application/json", .retryAfter: "7"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"code":"overloaded","message":"The explanation share is full."}}"#)))
        }
        let query = request.uri.queryParameters
        let parameters = try ExplainParameters.parse(grid: query.getAll("grid"), classes: query.getAll("class"))
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(fakeExplanation(grid: parameters.grid, classes: parameters.classes)))))
    }
    let app = try await LocalApp.start(router: router, label: "fake-classifier")
    let result: T
    do {
        result = try await body("http://127.0.0.1:\(app.port)", recorder)
    } catch {
        await app.cancel()
        throw error
    }
    try await app.stop()
    return result
}

/// The fake's classification: ``FakeClassifierRecorder/topFive`` with indices 1 to 5.
func fakeClassification() -> ClassifierAPI.Classification {
    ClassifierAPI.Classification(
        model: "slow",
        predictions: FakeClassifierRecorder.topFive.enumerated().map { .init(index: $0 + 1, label: $1, probability: 0.5 / Float($0 + 1)) },
        timings: .init(decode: .milliseconds(1), total: .milliseconds(4)))
}

/// The fake's explanation: one map per class (class 1 alone when none is asked) whose largest drop is at
/// ``fakeStrongestCell(position:grid:)``, with one negative cell at the bottom right (unless the largest drop is there).
func fakeExplanation(grid: Int, classes: [Int]) -> ClassifierAPI.Explanation {
    let maps = (classes.isEmpty ? [1] : classes).enumerated().map { position, index in
        var drops = [[Float]](repeating: [Float](repeating: 0.01, count: grid), count: grid)
        drops[grid - 1][grid - 1] = -0.2
        let strongest = fakeStrongestCell(position: position, grid: grid)
        drops[strongest.row][strongest.column] = 0.4
        let label = (1...5).contains(index) ? FakeClassifierRecorder.topFive[index - 1] : "class \(index)"
        return ClassifierAPI.OcclusionMap(index: index, label: label, probability: 0.5 / Float(index), drops: drops)
    }
    return ClassifierAPI.Explanation(
        model: "slow", version: "1", predictions: fakeClassification().predictions, grid: grid, maps: maps,
        images: grid * grid + 1, timings: .init(decode: .milliseconds(1), total: .milliseconds(4)))
}

/// Where the fake puts a map's largest drop: the first map's at the top left, the second's at the bottom
/// centre, the others' in the centre.
func fakeStrongestCell(position: Int, grid: Int) -> (row: Int, column: Int) {
    switch position {
    case 0: (0, 0)
    case 1: (grid - 1, grid / 2)
    default: (grid / 2, grid / 2)
    }
}
