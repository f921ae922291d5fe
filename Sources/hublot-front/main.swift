import ArgumentParser
import Foundation
import Hummingbird
import HublotFront
import HublotHTTP
import HublotVersion
import Logging

/// `hublot-front`: the Hublot web site and gateway in front of hublot-classifier.
@main
struct HublotFrontCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hublot-front",
        abstract: "Serve the Hublot web site and forward classifications to hublot-classifier.",
        discussion: """
            Every option can also be set by the environment variable named in its help; a flag wins over \
            the variable, and a variable holding an invalid value stops the program (exit 64). See docs/front.md.
            """,
        version: HublotRelease.version)

    @Option(help: "Address to bind. Env: HUBLOT_FRONT_HOST. Default: 0.0.0.0.")
    var host: String?

    @Option(help: "TCP port. Env: HUBLOT_FRONT_PORT. Default: 8080.")
    var port: Int?

    @Option(name: .customLong("classifier-url"), help: "Base URL of hublot-classifier. Env: HUBLOT_CLASSIFIER_URL. Default: http://127.0.0.1:8081.")
    var classifierURL: String?

    @Option(help: "Seconds to wait for a connection to the classifier. Env: HUBLOT_CONNECT_TIMEOUT. Default: 2.")
    var connectTimeout: Double?

    @Option(help: "Seconds a whole classification may take at the classifier. Env: HUBLOT_REQUEST_TIMEOUT. Default: 30.")
    var requestTimeout: Double?

    @Option(help: "Seconds an upload's body may take to arrive (then 408). Env: HUBLOT_BODY_TIMEOUT. Default: 30.")
    var bodyTimeout: Double?

    @Option(help: "Seconds a connection may stay without reading or writing before it is closed. Env: HUBLOT_IDLE_TIMEOUT. Default: 60.")
    var idleTimeout: Double?

    @Option(help: "Seconds a request's head may take to arrive (from the connection's start or the previous answer). Env: HUBLOT_HEADER_TIMEOUT. Default: 30.")
    var headerTimeout: Double?

    @Option(help: "Largest accepted upload in bytes (413 above). Env: HUBLOT_MAX_UPLOAD_BYTES. Default: \(UploadLimits.defaultMaxBytes) (20 MiB).")
    var maxUploadBytes: Int?

    @Option(help: "Bytes of uploads held in memory at once (503 past it). Env: HUBLOT_UPLOAD_MEMORY_BYTES. Default: 134217728 (128 MiB).")
    var uploadMemoryBytes: Int?

    @Option(help: "Connections kept open to each classifier replica. Env: HUBLOT_CLASSIFIER_CONNECTIONS. Default: 16.")
    var classifierConnections: Int?

    @Option(help: "How requests are spread over the classifier's replicas: least-outstanding or round-robin. Env: HUBLOT_CLASSIFIER_BALANCING. Default: least-outstanding.")
    var classifierBalancing: String?

    @Option(
        name: .customLong("classifier-dns-refresh"),
        help: "Seconds between resolutions of the classifier's host to its replicas (0: at start and on failure only). Env: HUBLOT_CLASSIFIER_DNS_REFRESH. Default: 5.")
    var classifierDNSRefresh: Double?

    @Option(help: "Language when the browser asks for none we speak: fr or en. Env: HUBLOT_DEFAULT_LANGUAGE. Default: fr.")
    var defaultLanguage: String?

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical). Env: HUBLOT_LOG_LEVEL (LOG_LEVEL, deprecated). Default: info.")
    var logLevel: String?

    func run() async throws {
        let (configuration, level): (FrontConfiguration, Logger.Level)
        do {
            (configuration, level) = try resolve(EnvironmentVariables())
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
        let app = try await buildFrontApplication(configuration: configuration, logger: Logger(label: "hublot-front"))
        try await app.runService()
    }

    /// The configuration from the flags, else the environment, else the defaults.
    private func resolve(_ environment: EnvironmentVariables) throws -> (FrontConfiguration, Logger.Level) {
        var configuration = FrontConfiguration(host: "0.0.0.0")
        func seconds(_ flag: Double?, _ variable: String) throws -> Duration? {
            guard let value = try flag ?? environment.seconds(variable) else { return nil }
            return .milliseconds(Int((value * 1000).rounded()))
        }
        configuration.host = host ?? environment.string("HUBLOT_FRONT_HOST") ?? configuration.host
        configuration.port = try port ?? environment.integer("HUBLOT_FRONT_PORT", in: 1...65535) ?? configuration.port
        configuration.classifierURL = classifierURL ?? environment.string("HUBLOT_CLASSIFIER_URL") ?? configuration.classifierURL
        configuration.connectTimeout = try seconds(connectTimeout, "HUBLOT_CONNECT_TIMEOUT") ?? configuration.connectTimeout
        configuration.requestTimeout = try seconds(requestTimeout, "HUBLOT_REQUEST_TIMEOUT") ?? configuration.requestTimeout
        configuration.bodyTimeout = try seconds(bodyTimeout, "HUBLOT_BODY_TIMEOUT") ?? configuration.bodyTimeout
        configuration.idleTimeout = try seconds(idleTimeout, "HUBLOT_IDLE_TIMEOUT") ?? configuration.idleTimeout
        configuration.headerTimeout = try seconds(headerTimeout, "HUBLOT_HEADER_TIMEOUT") ?? configuration.headerTimeout
        configuration.maxUploadBytes = try maxUploadBytes ?? environment.integer("HUBLOT_MAX_UPLOAD_BYTES") ?? configuration.maxUploadBytes
        configuration.uploadMemoryBytes =
            try uploadMemoryBytes ?? environment.integer("HUBLOT_UPLOAD_MEMORY_BYTES") ?? configuration.uploadMemoryBytes
        configuration.maxConnections =
            try classifierConnections ?? environment.integer("HUBLOT_CLASSIFIER_CONNECTIONS") ?? configuration.maxConnections
        let balancingName = classifierBalancing ?? environment.string("HUBLOT_CLASSIFIER_BALANCING")
        if let balancingName {
            guard let balancing = ClassifierBalancing(rawValue: balancingName) else {
                throw EnvironmentVariables.InvalidValue(
                    name: classifierBalancing == nil ? "HUBLOT_CLASSIFIER_BALANCING" : "--classifier-balancing", value: balancingName,
                    expected: "least-outstanding or round-robin")
            }
            configuration.balancing = balancing
        }
        let refresh = try classifierDNSRefresh
            ?? environment.value("HUBLOT_CLASSIFIER_DNS_REFRESH", expected: "0 or a positive number of seconds") { text in
                Double(text).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
            }
        if let refresh {
            guard refresh >= 0, refresh.isFinite else {
                throw EnvironmentVariables.InvalidValue(
                    name: "--classifier-dns-refresh", value: String(refresh), expected: "0 or a positive number of seconds")
            }
            configuration.dnsRefresh = .milliseconds(Int((refresh * 1000).rounded()))
        }
        let languageCode = defaultLanguage ?? environment.string("HUBLOT_DEFAULT_LANGUAGE")
        if let languageCode {
            guard let language = Language(code: languageCode) else {
                throw EnvironmentVariables.InvalidValue(name: defaultLanguage == nil ? "HUBLOT_DEFAULT_LANGUAGE" : "--default-language", value: languageCode, expected: "fr or en")
            }
            configuration.defaultLanguage = language
        }
        let level: Logger.Level
        if let logLevel {
            guard let parsed = Logger.Level(rawValue: logLevel.lowercased()) else {
                throw EnvironmentVariables.InvalidValue(name: "--log-level", value: logLevel, expected: "trace, debug, info, notice, warning, error or critical")
            }
            level = parsed
        } else {
            level = try environment.logLevel("HUBLOT_LOG_LEVEL") ?? environment.logLevel("LOG_LEVEL") ?? .info
        }
        return (configuration, level)
    }
}
