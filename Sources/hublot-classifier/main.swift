import ArgumentParser
import Foundation
import HublotClassifier
import HublotVersion
import Logging
import ServiceLifecycle

/// `hublot-classifier`: parses the configuration (flags, else environment variables, else defaults)
/// and runs the model server until SIGTERM/SIGINT.
@main
struct HublotClassifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hublot-classifier",
        abstract: "Serve the models of a Hublot model repository over HTTP (Hublot API v1, Open Inference Protocol v2).",
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

    @Option(help: "ONNX Runtime intra-op threads per model. Env: HUBLOT_THREADS. Default: the cores available.")
    var threads: Int?

    @Option(help: "Threads decoding and preprocessing uploads. Env: HUBLOT_DECODE_THREADS. Default: the cores available.")
    var decodeThreads: Int?

    @Option(help: "Largest request body in bytes (413 above). Env: HUBLOT_MAX_BODY_BYTES. Default: \(ClassifierConfiguration.defaultMaxBodyBytes) (20 MiB).")
    var maxBodyBytes: Int?

    @Option(help: "Largest image in pixels, checked from the header (422 above). Env: HUBLOT_MAX_PIXELS. Default: \(ClassifierConfiguration.defaultMaxPixels).")
    var maxPixels: Int?

    @Option(help: "Longest wait for in-flight requests on SIGTERM, seconds. Env: HUBLOT_SHUTDOWN_TIMEOUT_S. Default: 10.")
    var shutdownTimeoutS: Int?

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical). Env: HUBLOT_LOG_LEVEL. Default: info.")
    var logLevel: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func string(_ flag: String?, _ variable: String) -> String? { flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 } }
        func integer(_ flag: Int?, _ variable: String) throws -> Int? {
            if let flag { return flag }
            guard let raw = environment[variable], !raw.isEmpty else { return nil }
            guard let value = Int(raw) else { throw ValidationError("\(variable)=\(raw) is not an integer") }
            return value
        }

        let levelName = string(self.logLevel, "HUBLOT_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else { throw ValidationError("unknown log level '\(levelName)'") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "hublot-classifier")

        let modelList = self.models.isEmpty
            ? environment["HUBLOT_LOAD_MODELS"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            : self.models
        var configuration = ClassifierConfiguration(
            modelsDirectory: URL(fileURLWithPath: string(self.modelsDirectory, "HUBLOT_MODELS") ?? ".cache/models"))
        configuration.host = string(self.host, "HUBLOT_HOST") ?? configuration.host
        configuration.port = try integer(self.port, "HUBLOT_PORT") ?? configuration.port
        configuration.modelNames = modelList.flatMap { $0.isEmpty ? nil : $0 }
        configuration.defaultModel = string(self.defaultModel, "HUBLOT_DEFAULT_MODEL") ?? configuration.defaultModel
        configuration.maxBatchSize = try integer(self.maxBatchSize, "HUBLOT_MAX_BATCH_SIZE") ?? configuration.maxBatchSize
        if let delay = try integer(self.maxBatchDelayMs, "HUBLOT_MAX_BATCH_DELAY_MS") { configuration.maxBatchDelay = .milliseconds(delay) }
        configuration.queueCapacity = try integer(self.queueCapacity, "HUBLOT_QUEUE_CAPACITY") ?? configuration.queueCapacity
        configuration.inferenceThreads = try integer(self.threads, "HUBLOT_THREADS") ?? configuration.inferenceThreads
        configuration.decodeThreads = try integer(self.decodeThreads, "HUBLOT_DECODE_THREADS") ?? configuration.decodeThreads
        configuration.maxBodyBytes = try integer(self.maxBodyBytes, "HUBLOT_MAX_BODY_BYTES") ?? configuration.maxBodyBytes
        configuration.maxPixels = try integer(self.maxPixels, "HUBLOT_MAX_PIXELS") ?? configuration.maxPixels
        if let timeout = try integer(self.shutdownTimeoutS, "HUBLOT_SHUTDOWN_TIMEOUT_S") { configuration.shutdownTimeout = .seconds(timeout) }
        let problems = configuration.problems()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }

        let app = try ClassifierApplication.build(configuration: configuration, logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
