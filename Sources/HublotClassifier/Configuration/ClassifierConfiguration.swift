import Foundation
import HublotCore
import HublotHTTP

/// Everything the model server can be told, as one value built by the executable (flags and
/// environment variables) or by tests. Nothing inside the server reads the environment itself.
public struct ClassifierConfiguration: Sendable {
    /// Address to bind (`--host`, `HUBLOT_HOST`).
    public var host: String
    /// TCP port to bind; 0 picks a free one (`--port`, `HUBLOT_PORT`).
    public var port: Int
    /// TCP port of the gRPC services on `host`; 0 picks a free one; nil serves no gRPC. The executable's
    /// `--grpc-port` / `HUBLOT_GRPC_PORT` default to ``defaultGRPCPort`` and turn it off with 0.
    public var grpcPort: Int?
    /// The model repository folder (`--models`, `HUBLOT_MODELS`).
    public var modelsDirectory: URL
    /// Names of the models to load; nil loads every model of the repository (`--model`, `HUBLOT_LOAD_MODELS`).
    public var modelNames: [String]?
    /// The model used by `POST /v1/classify` and by `/v2/health/ready` (`--default-model`, `HUBLOT_DEFAULT_MODEL`).
    public var defaultModel: String
    /// Largest number of images in one ONNX Runtime call (`--max-batch-size`, `HUBLOT_MAX_BATCH_SIZE`).
    public var maxBatchSize: Int
    /// Longest time the oldest queued image waits for a batch to fill (`--max-batch-delay-ms`, `HUBLOT_MAX_BATCH_DELAY_MS`).
    public var maxBatchDelay: Duration
    /// Images in progress per model (decoding or queued); more are refused with 503 at once (`--queue-capacity`, `HUBLOT_QUEUE_CAPACITY`).
    public var queueCapacity: Int
    /// ONNX Runtime intra-op threads per instance of a model; nil uses the cores available (`--threads`, `HUBLOT_THREADS`).
    public var inferenceThreads: Int?
    /// Inference sessions per model, each run by its own batching thread, all fed by the model's one batch
    /// queue (`--instances`, `HUBLOT_INSTANCES`).
    public var instances: Int
    /// Threads that decode and preprocess uploads (`--decode-threads`, `HUBLOT_DECODE_THREADS`).
    public var decodeThreads: Int
    /// Largest accepted request body in bytes (`--max-body-bytes`, `HUBLOT_MAX_BODY_BYTES`).
    public var maxBodyBytes: Int
    /// Largest accepted image in pixels, read from the header before decoding (`--max-pixels`, `HUBLOT_MAX_PIXELS`).
    public var maxPixels: Int
    /// Largest peak memory one image's decode may take, from its header, before decoding (422 above)
    /// (`--max-decoded-bytes`, `HUBLOT_MAX_DECODED_BYTES`).
    public var maxDecodedBytes: Int
    /// Most scans a progressive JPEG may have (422 above) (`--max-jpeg-scans`, `HUBLOT_MAX_JPEG_SCANS`).
    public var maxJPEGScans: Int
    /// The memory all concurrent decodes may take at once; a decode that does not fit is 503 `overloaded`
    /// (`--decode-memory-bytes`, `HUBLOT_DECODE_MEMORY_BYTES`).
    public var decodeMemoryBytes: Int
    /// How long a request body may take to arrive; then 408 and the connection closes (`--body-timeout-s`, `HUBLOT_BODY_TIMEOUT_S`).
    public var bodyTimeout: Duration
    /// How long a connection may stay without reading or writing (between requests, or while headers or a
    /// body trickle in) before it is closed (`--idle-timeout-s`, `HUBLOT_IDLE_TIMEOUT_S`).
    public var idleTimeout: Duration
    /// How long a request's head may take to arrive, from the connection's start or the previous answer;
    /// then the connection closes (`--header-timeout-s`, `HUBLOT_HEADER_TIMEOUT_S`).
    public var headerTimeout: Duration
    /// Who loads and unloads models while the server runs (`--model-control`, `HUBLOT_MODEL_CONTROL`).
    public var modelControl: ModelControl
    /// How often `poll` control scans the repository (`--poll-interval-s`, `HUBLOT_POLL_INTERVAL_S`).
    public var pollInterval: Duration
    /// The most memory loaded models may be charged, in bytes (each is charged its ONNX file's size
    /// × ``CoreModelSource/memoryPerONNXByte``, plus ``CoreModelSource/memoryPerInstanceONNXByte`` per instance beyond
    /// the first); nil is unlimited (`--max-model-memory`, `HUBLOT_MAX_MODEL_MEMORY`).
    public var maxModelMemory: Int?
    /// Explanations computed at once; more are refused with 503 at once. Each holds at most one
    /// low-priority batch in its model's queue (`--max-explanations`, `HUBLOT_MAX_EXPLANATIONS`; 0 disables them).
    public var maxExplanations: Int
    /// Images per low-priority batch of an explanation: the longest a classification can wait for one
    /// (`--explain-batch-size`, `HUBLOT_EXPLAIN_BATCH_SIZE`; at most the max batch size).
    public var explainBatchSize: Int
    /// Bytes the response cache may take: answers of `/v1` classifications kept for images sent again
    /// (see ``ResponseCache``); 0 turns it off (`--response-cache-size`, `HUBLOT_RESPONSE_CACHE_SIZE`).
    public var responseCacheSize: Int
    /// Value of `Retry-After` (seconds) on 503 answers.
    public var retryAfterSeconds: Int
    /// Longest wait for in-flight requests on shutdown (`--shutdown-timeout-s`, `HUBLOT_SHUTDOWN_TIMEOUT_S`).
    public var shutdownTimeout: Duration

    /// Default port of the model server.
    public static let defaultPort = 8081
    /// Default gRPC port of the executable (Triton's and KServe's).
    public static let defaultGRPCPort = 8001
    /// Default model name.
    public static let defaultModelName = "efficientnet_lite0"
    /// Default batching: up to 8 images (see docs/api.md for the measurement).
    public static let defaultMaxBatchSize = 8
    /// Default batching delay, in milliseconds.
    public static let defaultMaxBatchDelayMilliseconds = 2
    /// Default queue bound per model.
    public static let defaultQueueCapacity = 64
    /// Default instances per model (see docs/operations.md for the measurement).
    public static let defaultInstances = 1
    /// Default body limit: 20 MiB.
    public static let defaultMaxBodyBytes = UploadLimits.defaultMaxBytes
    /// Default body timeout, in seconds.
    public static let defaultBodyTimeoutSeconds = 30
    /// Default request head timeout, in seconds (above the front's 20 s pool idle time, so the front never
    /// reuses a connection the classifier is closing).
    public static let defaultHeaderTimeoutSeconds = 30
    /// Default idle timeout, in seconds.
    public static let defaultIdleTimeoutSeconds = 60
    /// Default pixel limit: 40 megapixels.
    public static let defaultMaxPixels = DecodeOptions.defaultMaxPixels
    /// Default peak decode memory per image: 128 MiB.
    public static let defaultMaxDecodedBytes = DecodeOptions.defaultMaxDecodedBytes
    /// Default progressive JPEG scan limit.
    public static let defaultMaxJPEGScans = DecodeOptions.defaultMaxJPEGScans
    /// Default model control.
    public static let defaultModelControl = ModelControl.poll
    /// Default poll interval, in seconds.
    public static let defaultPollIntervalSeconds = 5
    /// Default number of explanations at once.
    public static let defaultMaxExplanations = 2
    /// Default images per explanation batch (see docs/api.md for the measurement).
    public static let defaultExplainBatchSize = 4
    /// Default memory of all concurrent decodes: 384 MiB.
    public static let defaultDecodeMemoryBytes = DecodeBudget.defaultBytes

    /// Creates a configuration; every argument but the models folder has a default.
    public init(
        host: String = "127.0.0.1",
        port: Int = ClassifierConfiguration.defaultPort,
        grpcPort: Int? = nil,
        modelsDirectory: URL,
        modelNames: [String]? = nil,
        defaultModel: String = ClassifierConfiguration.defaultModelName,
        maxBatchSize: Int = ClassifierConfiguration.defaultMaxBatchSize,
        maxBatchDelay: Duration = .milliseconds(ClassifierConfiguration.defaultMaxBatchDelayMilliseconds),
        queueCapacity: Int = ClassifierConfiguration.defaultQueueCapacity,
        inferenceThreads: Int? = nil,
        instances: Int = ClassifierConfiguration.defaultInstances,
        decodeThreads: Int = RuntimeConfiguration.availableCores,
        maxBodyBytes: Int = ClassifierConfiguration.defaultMaxBodyBytes,
        maxPixels: Int = ClassifierConfiguration.defaultMaxPixels,
        maxDecodedBytes: Int = ClassifierConfiguration.defaultMaxDecodedBytes,
        maxJPEGScans: Int = ClassifierConfiguration.defaultMaxJPEGScans,
        decodeMemoryBytes: Int = ClassifierConfiguration.defaultDecodeMemoryBytes,
        bodyTimeout: Duration = .seconds(ClassifierConfiguration.defaultBodyTimeoutSeconds),
        idleTimeout: Duration = .seconds(ClassifierConfiguration.defaultIdleTimeoutSeconds),
        headerTimeout: Duration = .seconds(ClassifierConfiguration.defaultHeaderTimeoutSeconds),
        modelControl: ModelControl = ClassifierConfiguration.defaultModelControl,
        pollInterval: Duration = .seconds(ClassifierConfiguration.defaultPollIntervalSeconds),
        maxModelMemory: Int? = nil,
        maxExplanations: Int = ClassifierConfiguration.defaultMaxExplanations,
        explainBatchSize: Int = ClassifierConfiguration.defaultExplainBatchSize,
        responseCacheSize: Int = 0,
        retryAfterSeconds: Int = 1,
        shutdownTimeout: Duration = .seconds(10)
    ) {
        self.modelControl = modelControl
        self.pollInterval = pollInterval
        self.maxModelMemory = maxModelMemory
        self.maxExplanations = maxExplanations
        self.explainBatchSize = explainBatchSize
        self.responseCacheSize = responseCacheSize
        self.host = host
        self.port = port
        self.grpcPort = grpcPort
        self.modelsDirectory = modelsDirectory
        self.modelNames = modelNames
        self.defaultModel = defaultModel
        self.maxBatchSize = maxBatchSize
        self.maxBatchDelay = maxBatchDelay
        self.queueCapacity = queueCapacity
        self.inferenceThreads = inferenceThreads
        self.instances = instances
        self.decodeThreads = decodeThreads
        self.maxBodyBytes = maxBodyBytes
        self.maxPixels = maxPixels
        self.maxDecodedBytes = maxDecodedBytes
        self.maxJPEGScans = maxJPEGScans
        self.decodeMemoryBytes = decodeMemoryBytes
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.retryAfterSeconds = retryAfterSeconds
        self.shutdownTimeout = shutdownTimeout
    }

    /// Checks the values are usable; returns a message per problem.
    public func problems() -> [String] {
        var problems: [String] = []
        if !(0...65535).contains(self.port) { problems.append("port must be in 0...65535") }
        if let grpcPort = self.grpcPort {
            if !(0...65535).contains(grpcPort) { problems.append("gRPC port must be in 0...65535") }
            if grpcPort == self.port && grpcPort != 0 { problems.append("the gRPC port must differ from the HTTP port (\(grpcPort))") }
        }
        if self.maxBatchSize < 1 { problems.append("max batch size must be at least 1") }
        if self.maxBatchDelay < .zero { problems.append("max batch delay must not be negative") }
        if self.queueCapacity < 1 { problems.append("queue capacity must be at least 1") }
        if let threads = self.inferenceThreads, threads < 1 { problems.append("threads must be at least 1") }
        if self.instances < 1 { problems.append("instances must be at least 1") }
        if self.decodeThreads < 1 { problems.append("decode threads must be at least 1") }
        if self.maxBodyBytes < 1 { problems.append("max body bytes must be at least 1") }
        if self.maxPixels < 1 { problems.append("max pixels must be at least 1") }
        if self.maxDecodedBytes < 1 { problems.append("max decoded bytes must be at least 1") }
        if self.maxJPEGScans < 1 { problems.append("max JPEG scans must be at least 1") }
        if self.decodeMemoryBytes < 1 {
            problems.append("decode memory bytes must be at least 1")
        } else if self.decodeMemoryBytes < self.maxDecodedBytes {
            problems.append("decode memory bytes must be at least max decoded bytes, or an image within the limit could never be decoded")
        }
        if self.bodyTimeout <= .zero { problems.append("body timeout must be positive") }
        if self.idleTimeout <= .zero { problems.append("idle timeout must be positive") }
        if self.headerTimeout <= .zero { problems.append("header timeout must be positive") }
        if self.pollInterval <= .zero { problems.append("poll interval must be positive") }
        if let memory = self.maxModelMemory, memory < 1 { problems.append("max model memory must be at least 1 byte") }
        if self.maxExplanations < 0 { problems.append("max explanations must not be negative") }
        if self.explainBatchSize < 1 { problems.append("explain batch size must be at least 1") }
        if self.responseCacheSize < 0 { problems.append("response cache size must not be negative") }
        return problems
    }
}
