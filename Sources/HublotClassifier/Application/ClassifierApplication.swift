import Hummingbird
import HublotHTTP
import Logging
import NIOCore
import NIOPosix
import Prometheus

/// Builds the model server: the registry of models (all `loading` at first), the services that load
/// them and run their batch queues, and the HTTP application. Used by the executable and the tests.
public enum ClassifierApplication {
    /// The application type `build` returns.
    public typealias App = Application<RouterResponder<HublotRequestContext>>

    /// Builds the application for `configuration`, reading models from `source` (default: the HublotCore
    /// repository at `configuration.modelsDirectory`). Everything `/metrics` shows (HTTP, batching,
    /// models) goes to `registry` (default: the process-wide one; a test passes its own). Throws when the configuration is invalid or the repository unreadable.
    public static func build(
        configuration: ClassifierConfiguration,
        source: (any ModelSource)? = nil,
        registry: PrometheusCollectorRegistry = PrometheusMetrics.registry,
        logger: Logger = Logger(label: "hublot-classifier")
    ) throws -> App {
        try self.assemble(configuration: configuration, source: source, registry: registry, logger: logger).application
    }

    /// Builds the application as ``build(configuration:source:registry:logger:)`` does, and returns with it
    /// its model manager (the registry of its models, whose state changes can be awaited with
    /// ``ModelRegistry/settledState(of:)``, and the scans, loads and unloads) and its gRPC server, when
    /// `configuration.grpcPort` asks for one.
    public static func assemble(
        configuration: ClassifierConfiguration,
        source: (any ModelSource)? = nil,
        registry: PrometheusCollectorRegistry = PrometheusMetrics.registry,
        logger: Logger = Logger(label: "hublot-classifier")
    ) throws -> (application: App, models: ModelManager, grpc: GRPCEndpoint?) {
        let problems = configuration.problems()
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        let source = source ?? CoreModelSource(repository: configuration.modelsDirectory, instances: configuration.instances)

        // The first scan: every model is listed (loading) before the server answers its first request.
        let registryOfModels = ModelRegistry(
            defaultModel: configuration.defaultModel, wanted: configuration.modelNames, memoryBudget: configuration.maxModelMemory)
        let metrics = ClassifierMetrics(registry: registry)
        let responseCache = configuration.responseCacheSize > 0 ? ResponseCache(capacity: configuration.responseCacheSize) : nil
        let manager = ModelManager(
            registry: registryOfModels, source: source, configuration: configuration, metrics: metrics, logger: logger,
            responseCache: responseCache)
        let initial = registryOfModels.scanned(try source.scan(), apply: true)
        for entry in registryOfModels.entries {
            metrics.setModelReady(entry.summary.name, ready: false, loaded: 0)
        }
        let decodePool = NIOThreadPool(numberOfThreads: configuration.decodeThreads)
        decodePool.start()
        let service = ClassificationService(
            registry: registryOfModels, configuration: configuration, metrics: metrics, decodePool: decodePool,
            responseCache: responseCache)

        let router = Router(context: HublotRequestContext.self)
        router.addHublotMiddleware(registry: registry)
        router.addMetricsRoute(registry: registry)
        let openInference = OpenInferenceService(classification: service)
        let repository = RepositoryService(manager: manager, control: configuration.modelControl)
        OpenAPIDocument.add(to: router)
        V1Routes(service: service).add(to: router)
        V2Routes(service: openInference).add(to: router)
        RepositoryRoutes(repository: repository).add(to: router)

        let models = ModelService(manager: manager, initial: initial, decodePool: decodePool)
        // After the models' service: a graceful shutdown stops the HTTP server, then gRPC, then drains the queues.
        let grpc = try configuration.grpcPort.map { port in
            try GRPCEndpoint(
                host: configuration.host, port: port, maxMessageBytes: configuration.maxBodyBytes,
                services: [
                    InferenceGRPCService(inference: openInference, repository: repository),
                    HealthGRPCService(inference: openInference),
                ],
                metrics: metrics, logger: logger)
        }
        let application = Application(
            router: router,
            server: HublotServer.http1(idleTimeout: configuration.idleTimeout, requestHeadTimeout: configuration.headerTimeout),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hublot-classifier"),
            services: [models] + (grpc.map { [$0] } ?? []),
            logger: logger)
        return (application, manager, grpc)
    }
}

/// The configuration cannot be used.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// One message per problem.
    public let problems: [String]
    /// The problems, joined.
    public var description: String { "invalid configuration: " + self.problems.joined(separator: "; ") }
}
