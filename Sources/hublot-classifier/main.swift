import ArgumentParser
import Foundation
import HublotClassifier
import HublotHTTP
import HublotVersion
import Logging
import ServiceLifecycle

/// `hublot-classifier`: parses the configuration (flags, else environment variables, else defaults)
/// and runs the model server until SIGTERM/SIGINT.
@main
struct HublotClassifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hublot-classifier",
        abstract: "Serve the models of a Hublot model repository over HTTP (Hublot API v1, Open Inference Protocol v2) and gRPC (Open Inference Protocol).",
        discussion: """
            Every option can also be set by the environment variable named in its help; a flag wins over \
            the variable. SIGTERM or SIGINT stops accepting connections, lets in-flight requests finish \
            (bounded by --shutdown-timeout-s) and exits 0. See docs/api.md and docs/operations.md.
            """,
        version: HublotRelease.version)

    @Option(help: "Address to bind. Env: HUBLOT_HOST. Default: 127.0.0.1 (use 0.0.0.0 in a container).")
    var host: String?

    @Option(help: "TCP port. Env: HUBLOT_PORT. Default: \(ClassifierConfiguration.defaultPort).")
    var port: Int?

    @Option(
        name: .customLong("grpc-port"),
        help: "TCP port of the gRPC services (Open Inference Protocol, grpc.health.v1) on --host; 0 turns them off. Env: HUBLOT_GRPC_PORT. Default: \(ClassifierConfiguration.defaultGRPCPort).")
    var grpcPort: Int?

    @Option(name: .customLong("models"), help: "Model repository folder. Env: HUBLOT_MODELS. Default: .cache/models (the package's prepared fixtures).")
    var modelsDirectory: String?

    @Option(
        name: .customLong("model"),
        help: "Load only this model (repeatable). Env: HUBLOT_LOAD_MODELS (comma-separated). Default: every model of the repository.")
    var models: [String] = []

    @Option(help: "Model of POST /v1/classify and /v2/health/ready. Env: HUBLOT_DEFAULT_MODEL. Default: \(ClassifierConfiguration.defaultModelName).")
    var defaultModel: String?

    @Option(help: "Largest batch per ONNX Runtime call. Env: HUBLOT_MAX_BATCH_SIZE. Default: \(ClassifierConfiguration.defaultMaxBatchSize).")
    var maxBatchSize: Int?

    @Option(
        help: "Longest wait (ms) of the oldest queued image for its batch to fill. Env: HUBLOT_MAX_BATCH_DELAY_MS. Default: \(ClassifierConfiguration.defaultMaxBatchDelayMilliseconds)."
    )
    var maxBatchDelayMs: Int?

    @Option(help: "Images in progress per model (decoding or queued); more get 503 at once. Env: HUBLOT_QUEUE_CAPACITY. Default: \(ClassifierConfiguration.defaultQueueCapacity).")
    var queueCapacity: Int?

    @Option(help: "ONNX Runtime intra-op threads per instance of a model. Env: HUBLOT_THREADS. Default: the cores available.")
    var threads: Int?

    @Option(
        help: "Inference sessions per model, each with its own batching thread, fed by the model's one queue. Env: HUBLOT_INSTANCES. Default: \(ClassifierConfiguration.defaultInstances)."
    )
    var instances: Int?

    @Option(help: "Threads decoding and preprocessing uploads. Env: HUBLOT_DECODE_THREADS. Default: the cores available.")
    var decodeThreads: Int?

    @Option(help: "Largest request body in bytes (413 above). Env: HUBLOT_MAX_BODY_BYTES. Default: \(ClassifierConfiguration.defaultMaxBodyBytes) (20 MiB).")
    var maxBodyBytes: Int?

    @Option(help: "Largest image in pixels, checked from the header (422 above). Env: HUBLOT_MAX_PIXELS. Default: \(ClassifierConfiguration.defaultMaxPixels).")
    var maxPixels: Int?

    @Option(
        help: "Largest peak memory one image's decode may take, in bytes, from its header (422 above). Env: HUBLOT_MAX_DECODED_BYTES. Default: \(ClassifierConfiguration.defaultMaxDecodedBytes) (128 MiB)."
    )
    var maxDecodedBytes: Int?

    @Option(
        name: .customLong("max-jpeg-scans"),
        help: "Most scans of a progressive JPEG (422 above). Env: HUBLOT_MAX_JPEG_SCANS. Default: \(ClassifierConfiguration.defaultMaxJPEGScans).")
    var maxJPEGScans: Int?

    @Option(
        help: "Memory all concurrent decodes may take at once, in bytes (503 overloaded above); at least --max-decoded-bytes. Env: HUBLOT_DECODE_MEMORY_BYTES. Default: \(ClassifierConfiguration.defaultDecodeMemoryBytes) (384 MiB)."
    )
    var decodeMemoryBytes: Int?

    @Option(help: "Longest wait for in-flight requests on SIGTERM, seconds. Env: HUBLOT_SHUTDOWN_TIMEOUT_S. Default: 10.")
    var shutdownTimeoutS: Int?

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical). Env: HUBLOT_LOG_LEVEL. Default: info.")
    var logLevel: String?

    @Option(help: "Longest wait for a request body to arrive, seconds (408 after). Env: HUBLOT_BODY_TIMEOUT_S. Default: \(ClassifierConfiguration.defaultBodyTimeoutSeconds).")
    var bodyTimeoutS: Int?

    @Option(help: "Seconds a connection may stay without reading or writing before it is closed. Env: HUBLOT_IDLE_TIMEOUT_S. Default: \(ClassifierConfiguration.defaultIdleTimeoutSeconds).")
    var idleTimeoutS: Int?

    @Option(help: "Seconds a request's head may take to arrive (from the connection's start or the previous answer). Env: HUBLOT_HEADER_TIMEOUT_S. Default: \(ClassifierConfiguration.defaultHeaderTimeoutSeconds).")
    var headerTimeoutS: Int?

    @Option(help: "Who loads and unloads models while the server runs: poll (scan the repository every poll interval), explicit (only the repository API), none (load at start only). Env: HUBLOT_MODEL_CONTROL. Default: \(ClassifierConfiguration.defaultModelControl).")
    var modelControl: String?

    @Option(help: "Seconds between two scans of the repository under poll control. Env: HUBLOT_POLL_INTERVAL_S. Default: \(ClassifierConfiguration.defaultPollIntervalSeconds).")
    var pollIntervalS: Double?

    @Option(help: "Most memory loaded models may take, in bytes (each is charged its ONNX file's size × \(CoreModelSource.memoryPerONNXByte), + \(CoreModelSource.memoryPerInstanceONNXByte) per extra instance); a load past it is refused. Env: HUBLOT_MAX_MODEL_MEMORY. Default: unlimited.")
    var maxModelMemory: Int?

    @Option(help: "Explanations (occlusion maps) computed at once; more are refused with 503. 0 disables them. Env: HUBLOT_MAX_EXPLANATIONS. Default: \(ClassifierConfiguration.defaultMaxExplanations).")
    var maxExplanations: Int?

    @Option(help: "Bytes the response cache may take (answers of /v1 classifications kept for images sent again; least recently used evicted first). 0 turns it off. Env: HUBLOT_RESPONSE_CACHE_SIZE. Default: 0.")
    var responseCacheSize: Int?

    @Option(help: "Images per low-priority batch of an explanation: the longest a classification waits for one. Env: HUBLOT_EXPLAIN_BATCH_SIZE. Default: \(ClassifierConfiguration.defaultExplainBatchSize).")
    var explainBatchSize: Int?

    func run() async throws {
        let (configuration, level): (ClassifierConfiguration, Logger.Level)
        do {
            (configuration, level) = try self.resolve(EnvironmentVariables())
        } catch let error as EnvironmentVariables.InvalidValue {
            throw ValidationError(error.description)
        }
        let problems = configuration.problems()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "hublot-classifier")

        let app = try ClassifierApplication.build(configuration: configuration, logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// The configuration from the flags, else the environment, else the defaults.
    private func resolve(
        _ environment: EnvironmentVariables
    ) throws -> (ClassifierConfiguration, Logger.Level) {
        var configuration = ClassifierConfiguration(
            modelsDirectory: URL(fileURLWithPath: self.modelsDirectory ?? environment.string("HUBLOT_MODELS") ?? ".cache/models"))
        configuration.host = self.host ?? environment.string("HUBLOT_HOST") ?? configuration.host
        configuration.port = try self.port ?? environment.integer("HUBLOT_PORT", in: 0...65535) ?? configuration.port
        let grpcPort = try self.grpcPort ?? environment.integer("HUBLOT_GRPC_PORT", in: 0...65535) ?? ClassifierConfiguration.defaultGRPCPort
        configuration.grpcPort = grpcPort == 0 ? nil : grpcPort
        let names = self.models.isEmpty
            ? environment.string("HUBLOT_LOAD_MODELS").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            : self.models
        configuration.modelNames = names.flatMap { $0.isEmpty ? nil : $0 }
        configuration.defaultModel = self.defaultModel ?? environment.string("HUBLOT_DEFAULT_MODEL") ?? configuration.defaultModel
        configuration.maxBatchSize = try self.maxBatchSize ?? environment.integer("HUBLOT_MAX_BATCH_SIZE") ?? configuration.maxBatchSize
        if let delay = try self.maxBatchDelayMs ?? environment.integer("HUBLOT_MAX_BATCH_DELAY_MS", in: 0...Int.max) {
            configuration.maxBatchDelay = .milliseconds(delay)
        }
        configuration.queueCapacity = try self.queueCapacity ?? environment.integer("HUBLOT_QUEUE_CAPACITY") ?? configuration.queueCapacity
        configuration.inferenceThreads = try self.threads ?? environment.integer("HUBLOT_THREADS") ?? configuration.inferenceThreads
        configuration.instances = try self.instances ?? environment.integer("HUBLOT_INSTANCES") ?? configuration.instances
        configuration.decodeThreads = try self.decodeThreads ?? environment.integer("HUBLOT_DECODE_THREADS") ?? configuration.decodeThreads
        configuration.maxBodyBytes = try self.maxBodyBytes ?? environment.integer("HUBLOT_MAX_BODY_BYTES") ?? configuration.maxBodyBytes
        configuration.maxPixels = try self.maxPixels ?? environment.integer("HUBLOT_MAX_PIXELS") ?? configuration.maxPixels
        configuration.maxDecodedBytes =
            try self.maxDecodedBytes ?? environment.integer("HUBLOT_MAX_DECODED_BYTES") ?? configuration.maxDecodedBytes
        configuration.maxJPEGScans = try self.maxJPEGScans ?? environment.integer("HUBLOT_MAX_JPEG_SCANS") ?? configuration.maxJPEGScans
        configuration.decodeMemoryBytes =
            try self.decodeMemoryBytes ?? environment.integer("HUBLOT_DECODE_MEMORY_BYTES") ?? configuration.decodeMemoryBytes
        if let timeout = try self.shutdownTimeoutS ?? environment.integer("HUBLOT_SHUTDOWN_TIMEOUT_S", in: 0...Int.max) {
            configuration.shutdownTimeout = .seconds(timeout)
        }
        if let timeout = try self.bodyTimeoutS ?? environment.integer("HUBLOT_BODY_TIMEOUT_S") { configuration.bodyTimeout = .seconds(timeout) }
        if let timeout = try self.idleTimeoutS ?? environment.integer("HUBLOT_IDLE_TIMEOUT_S") { configuration.idleTimeout = .seconds(timeout) }
        if let timeout = try self.headerTimeoutS ?? environment.integer("HUBLOT_HEADER_TIMEOUT_S") {
            configuration.headerTimeout = .seconds(timeout)
        }
        let controls = ModelControl.allCases.map(\.rawValue).joined(separator: ", ")
        if let control = self.modelControl {
            guard let parsed = ModelControl(rawValue: control) else {
                throw EnvironmentVariables.InvalidValue(name: "--model-control", value: control, expected: "one of \(controls)")
            }
            configuration.modelControl = parsed
        } else if let parsed = try environment.value("HUBLOT_MODEL_CONTROL", expected: "one of \(controls)", ModelControl.init(rawValue:)) {
            configuration.modelControl = parsed
        }
        if let seconds = try self.pollIntervalS ?? environment.seconds("HUBLOT_POLL_INTERVAL_S") {
            configuration.pollInterval = .milliseconds(Int((seconds * 1000).rounded()))
        }
        configuration.maxModelMemory = try self.maxModelMemory ?? environment.integer("HUBLOT_MAX_MODEL_MEMORY") ?? configuration.maxModelMemory
        configuration.maxExplanations =
            try self.maxExplanations ?? environment.integer("HUBLOT_MAX_EXPLANATIONS", in: 0...Int.max) ?? configuration.maxExplanations
        configuration.explainBatchSize =
            try self.explainBatchSize ?? environment.integer("HUBLOT_EXPLAIN_BATCH_SIZE") ?? configuration.explainBatchSize
        configuration.responseCacheSize =
            try self.responseCacheSize ?? environment.integer("HUBLOT_RESPONSE_CACHE_SIZE", in: 0...Int.max) ?? configuration.responseCacheSize
        let level: Logger.Level
        if let logLevel = self.logLevel {
            guard let parsed = Logger.Level(rawValue: logLevel.lowercased()) else {
                throw EnvironmentVariables.InvalidValue(name: "--log-level", value: logLevel, expected: "trace, debug, info, notice, warning, error or critical")
            }
            level = parsed
        } else {
            level = try environment.logLevel("HUBLOT_LOG_LEVEL") ?? .info
        }
        return (configuration, level)
    }
}
