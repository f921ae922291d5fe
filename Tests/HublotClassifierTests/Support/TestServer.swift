import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HublotAPI
import HublotClassifier
import HublotCore
import HublotHTTP
import Hummingbird
import Prometheus
import HummingbirdTesting
import Testing

/// Builds the classifier application on the test fixtures and runs `body` against it once the
/// default model is ready (bounded wait). `registry` receives everything the application's `/metrics`
/// shows; by default each application gets a fresh one, so parallel suites never change each other's series.
func withClassifier<T: Sendable>(
    models: URL? = nil,
    source: (any ModelSource)? = nil,
    mode: TestingSetup = .router,
    configure: (inout ClassifierConfiguration) -> Void = { _ in },
    waitForReady: Bool = true,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> T
) async throws -> T {
    try await withClassifierAndModels(
        models: models, source: source, mode: mode, configure: configure, waitForReady: waitForReady, registry: registry
    ) { client, _ in try await body(client) }
}

/// ``withClassifier(models:source:mode:configure:waitForReady:registry:_:)`` whose `body` also gets the
/// application's model manager, to await a model's state change (its registry) or to scan the repository.
func withClassifierAndModels<T: Sendable>(
    models: URL? = nil,
    source: (any ModelSource)? = nil,
    mode: TestingSetup = .router,
    configure: (inout ClassifierConfiguration) -> Void = { _ in },
    waitForReady: Bool = true,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    _ body: @escaping @Sendable (any TestClientProtocol, ModelManager) async throws -> T
) async throws -> T {
    var configuration = ClassifierConfiguration(port: 0, modelsDirectory: try models ?? Fixtures.modelRepository())
    configure(&configuration)
    let (app, modelRegistry, _) = try ClassifierApplication.assemble(configuration: configuration, source: source, registry: registry)
    return try await app.test(mode) { client in
        if waitForReady { try await waitUntilReady(modelRegistry.registry) }
        return try await body(client, modelRegistry)
    }
}

/// ``withClassifierAndModels(models:source:mode:configure:waitForReady:registry:_:)`` with its gRPC server on
/// a free port of 127.0.0.1: `body` also gets a gRPC client connected to it, and the model manager.
func withClassifierAndGRPC<T: Sendable>(
    source: (any ModelSource)? = nil,
    configure: (inout ClassifierConfiguration) -> Void = { _ in },
    waitForReady: Bool = true,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    _ body: @escaping @Sendable (any TestClientProtocol, GRPCClient<HTTP2ClientTransport.Posix>, ModelManager) async throws -> T
) async throws -> T {
    var configuration = ClassifierConfiguration(port: 0, grpcPort: 0, modelsDirectory: try Fixtures.modelRepository())
    configure(&configuration)
    let (app, models, grpc) = try ClassifierApplication.assemble(configuration: configuration, source: source, registry: registry)
    let endpoint = try #require(grpc)
    return try await app.test(.router) { client in
        if waitForReady { try await waitUntilReady(models.registry) }
        let port = try await endpoint.listeningPort
        return try await withGRPCClient(
            transport: try .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        ) { grpcClient in
            try await body(client, grpcClient, models)
        }
    }
}

/// Waits for the default model to leave `loading` (an event, no polling); fails the test unless it is ready.
func waitUntilReady(_ models: ModelRegistry) async throws {
    let state = try await models.settledState(of: models.defaultModel)
    guard state?.isReady == true else {
        Issue.record("the default model did not become ready: \(state?.status ?? "unknown")")
        throw FixtureMissing(what: "ready model")
    }
}

/// The JSON error body.
struct ErrorBody: Decodable {
    struct Detail: Decodable {
        let code: String
        let message: String
    }
    let error: Detail
}

/// Decodes a JSON response body.
func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(buffer: response.body))
}

/// Checks `response` is the JSON error `code` with `status`.
func expectError(_ response: TestResponse, _ status: HTTPResponse.Status, _ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(response.status == status, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    let body = try decode(ErrorBody.self, response)
    #expect(body.error.code == code, sourceLocation: sourceLocation)
    #expect(!body.error.message.isEmpty, sourceLocation: sourceLocation)
}

/// Checks `response` is an Open Inference Protocol error `{"error": "message"}` with `status`.
func expectV2Error(_ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(response.status == status, sourceLocation: sourceLocation)
    let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
    let message = json?["error"] as? String
    #expect(message?.isEmpty == false, "error is a message string: \(String(buffer: response.body))", sourceLocation: sourceLocation)
}

/// A multipart/form-data body with the given parts.
func multipart(boundary: String, parts: [(name: String, filename: String?, contentType: String?, bytes: [UInt8])]) -> ByteBuffer {
    var buffer = ByteBuffer()
    for part in parts {
        buffer.writeString("--\(boundary)\r\n")
        var disposition = "Content-Disposition: form-data; name=\"\(part.name)\""
        if let filename = part.filename { disposition += "; filename=\"\(filename)\"" }
        buffer.writeString(disposition + "\r\n")
        if let type = part.contentType { buffer.writeString("Content-Type: \(type)\r\n") }
        buffer.writeString("\r\n")
        buffer.writeBytes(part.bytes)
        buffer.writeString("\r\n")
    }
    buffer.writeString("--\(boundary)--\r\n")
    return buffer
}


/// A model source whose `load` of one model waits until the test calls `open()`, to observe the `loading`
/// state; other models of the repository (an int8 entry `make bench` prepared beside it) load at once.
final class GatedModelSource: ModelSource, @unchecked Sendable {
    private let base: any ModelSource
    private let gated: String
    private let gate = DispatchSemaphore(value: 0)

    init(_ base: any ModelSource, gating gated: String = "efficientnet_lite0") {
        self.base = base
        self.gated = gated
    }

    /// Lets the gated model's `load` proceed (once per waiting load).
    func open() { self.gate.signal() }

    func scan() throws -> [ModelCandidate] { try self.base.scan() }
    func load(_ name: String, inferenceThreads: Int?) throws -> any LoadedModel {
        // Bounded: a test that forgets to open fails its readiness wait instead of hanging here forever. The
        // wait holds the process's model-load lock, so any other load waits too: only the gated model waits.
        if name == self.gated { _ = self.gate.wait(timeout: .now() + 60) }
        return try self.base.load(name, inferenceThreads: inferenceThreads)
    }
}

/// A model source whose models hold their first ONNX Runtime call until the test calls `open()`, and
/// signal `entered` when that call starts: a test knows a batch is running, and keeps it running.
final class HeldInferenceSource: ModelSource, @unchecked Sendable {
    private let base: any ModelSource
    private let gate = DispatchSemaphore(value: 0)
    /// Signalled when the first inference call starts.
    let entered = DispatchSemaphore(value: 0)

    init(_ base: any ModelSource) { self.base = base }

    /// Lets the held inference call finish.
    func open() { self.gate.signal() }

    func scan() throws -> [ModelCandidate] { try self.base.scan() }
    func load(_ name: String, inferenceThreads: Int?) throws -> any LoadedModel {
        HeldModel(base: try self.base.load(name, inferenceThreads: inferenceThreads), source: self)
    }

    /// Holds the calling inference until ``open()``.
    fileprivate func hold() {
        self.entered.signal()
        _ = self.gate.wait(timeout: .now() + 60)  // bounded: a test that forgets to open fails, it does not hang
    }
}

/// A loaded model whose first inference call after its warm-up (call 1, the load's batch of zeros)
/// waits for ``HeldInferenceSource/open()``.
private final class HeldModel: LoadedModel, @unchecked Sendable {
    let base: any LoadedModel
    unowned let source: HeldInferenceSource
    private let calls = NSLock()
    private var count = 0

    init(base: any LoadedModel, source: HeldInferenceSource) {
        self.base = base
        self.source = source
    }

    var summary: Model { self.base.summary }
    var version: ModelVersion { self.base.version }
    var inputHeight: Int { self.base.inputHeight }
    var inputWidth: Int { self.base.inputWidth }
    var classCount: Int { self.base.classCount }
    func prepare(_ bytes: [UInt8], into row: UnsafeMutableBufferPointer<Float>, options: DecodeOptions) throws(HublotError) -> Timings {
        try self.base.prepare(bytes, into: row, options: options)
    }
    func infer(_ input: UnsafeBufferPointer<Float>, count: Int) throws -> [[Float]] {
        let call = self.calls.withLock { self.count += 1; return self.count }
        if call == 2 { self.source.hold() }
        return try self.base.infer(input, count: count)
    }
    func topK(_ probabilities: [Float], k: Int) -> [Prediction] { self.base.topK(probabilities, k: k) }
}
