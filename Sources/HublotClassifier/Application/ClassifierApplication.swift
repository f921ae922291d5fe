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
    /// the registry of its models, whose state changes can be awaited (``ModelRegistry/settledState(of:)``).
    public static func assemble(
        configuration: ClassifierConfiguration,
        source: (any ModelSource)? = nil,
        registry: PrometheusCollectorRegistry = PrometheusMetrics.registry,
        logger: Logger = Logger(label: "hublot-classifier")
    ) throws -> (application: App, models: ModelRegistry) {
        let problems = configuration.problems()
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        let source = source ?? CoreModelSource(repository: configuration.modelsDirectory)

        let registryOfModels = try Self.models(configuration: configuration, source: source)
        let metrics = ClassifierMetrics(registry: registry)
        for entry in registryOfModels.entries {
            metrics.setModelReady(entry.summary.name, ready: false, loaded: 0)
        }
        let decodePool = NIOThreadPool(numberOfThreads: configuration.decodeThreads)
        decodePool.start()
        let service = ClassificationService(
            registry: registryOfModels, configuration: configuration, metrics: metrics, decodePool: decodePool)

        let router = Router(context: HublotRequestContext.self)
        router.addHublotMiddleware(registry: registry)
        router.addMetricsRoute(registry: registry)
        OpenAPIDocument.add(to: router)
        V1Routes(service: service).add(to: router)
        V2Routes(service: service).add(to: router)

        let models = ModelService(
            registry: registryOfModels, source: source, configuration: configuration, metrics: metrics,
            decodePool: decodePool, logger: logger)
        let application = Application(
            router: router,
            server: HublotServer.http1(idleTimeout: configuration.idleTimeout, requestHeadTimeout: configuration.headerTimeout),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hublot-classifier"),
            services: [models],
            logger: logger)
        return (application, registryOfModels)
    }

    /// The models to serve: the repository's (or the ones asked for, unknown ones listed as failed).
    static func models(configuration: ClassifierConfiguration, source: any ModelSource) throws -> ModelRegistry {
        let available = try source.modelNames()
        let wanted = configuration.modelNames ?? available
        let registry = ModelRegistry(
            defaultModel: configuration.defaultModel,
            summaries: wanted.filter(available.contains).map(source.summary(of:)))
        for name in wanted where !available.contains(name) {
            registry.addFailed(name, reason: "no model '\(name)' in the repository \(configuration.modelsDirectory.path)")
        }
        if registry.entry(configuration.defaultModel) == nil {
            registry.addFailed(
                configuration.defaultModel,
                reason: "the default model '\(configuration.defaultModel)' is not in the repository \(configuration.modelsDirectory.path)")
        }
        return registry
    }
}

/// The configuration cannot be used.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// One message per problem.
    public let problems: [String]
    /// The problems, joined.
    public var description: String { "invalid configuration: " + self.problems.joined(separator: "; ") }
}
