import Hummingbird
import HublotHTTP
import Logging
import NIOCore
import Prometheus

/// Builds the hublot-front application: the site, the gateway, the probes, `/metrics`, static files,
/// the shared middleware and the classifier client whose connections close on graceful shutdown.
/// Everything `/metrics` shows goes to `registry` (default: the process-wide one; a test passes its own); the
/// classifier's host is resolved by `resolver` (default: getaddrinfo; a test passes its own list).
public func buildFrontApplication(
    configuration: FrontConfiguration, registry: PrometheusCollectorRegistry = PrometheusMetrics.registry,
    resolver: any ClassifierResolver = GetaddrinfoResolver(), logger: Logger = Logger(label: "hublot-front")
) async throws -> some ApplicationProtocol {
    let client = ClassifierClient(configuration: configuration, registry: registry, resolver: resolver, logger: logger)
    let renderer = try await PageRenderer()
    let translations = try Translations()
    guard let publicFolder = FrontResources.url("public") else { throw FrontResourceError.missing("public") }

    let router = Router(context: HublotRequestContext.self)
    router.addHublotMiddleware(registry: registry, responseHeaders: SecurityHeaders.fields)
    router.addMiddleware {
        NotFoundPageMiddleware<HublotRequestContext>(renderer: renderer, translations: translations, configuration: configuration)
        FileMiddleware<HublotRequestContext, LocalFileSystem>(
            publicFolder.path, urlBasePath: nil, cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: false,
            logger: logger)
    }
    router.addMetricsRoute(registry: registry)
    HealthRoutes(client: client).register(on: router)
    let uploads = UploadReceiver(budget: UploadBudget(capacity: configuration.uploadMemoryBytes, registry: registry), configuration: configuration)
    GatewayRoutes(client: client, uploads: uploads, configuration: configuration).register(on: router)
    SiteRoutes(client: client, uploads: uploads, renderer: renderer, translations: translations, configuration: configuration).register(on: router)

    return Application(
        router: router,
        server: HublotServer.http1(idleTimeout: configuration.idleTimeout, requestHeadTimeout: configuration.headerTimeout),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hublot-front"),
        services: [ClassifierClientService(client: client)],
        logger: logger)
}
