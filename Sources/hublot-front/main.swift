import ArgumentParser
import Foundation
import Hummingbird
import HublotFront
import HublotVersion
import Logging

/// `hublot-front`: the Hublot web site and gateway in front of hublot-classifier.
@main
struct HublotFrontCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hublot-front",
        abstract: "Serve the Hublot web site and forward classifications to hublot-classifier.",
        discussion: "Every option can also be set by the environment variable named in its help.",
        version: HublotRelease.version)

    @Option(help: "Address to bind (env HUBLOT_FRONT_HOST).")
    var host: String = env("HUBLOT_FRONT_HOST") ?? "0.0.0.0"

    @Option(help: "Port to listen on (env HUBLOT_FRONT_PORT).")
    var port: Int = env("HUBLOT_FRONT_PORT").flatMap(Int.init) ?? 8080

    @Option(name: .customLong("classifier-url"), help: "Base URL of hublot-classifier (env HUBLOT_CLASSIFIER_URL).")
    var classifierURL: String = env("HUBLOT_CLASSIFIER_URL") ?? "http://127.0.0.1:8081"

    @Option(help: "Seconds to wait for a connection to the classifier (env HUBLOT_CONNECT_TIMEOUT).")
    var connectTimeout: Double = env("HUBLOT_CONNECT_TIMEOUT").flatMap(Double.init) ?? 2

    @Option(help: "Seconds a whole classification may take (env HUBLOT_REQUEST_TIMEOUT).")
    var requestTimeout: Double = env("HUBLOT_REQUEST_TIMEOUT").flatMap(Double.init) ?? 30

    @Option(help: "Largest accepted upload in bytes (env HUBLOT_MAX_UPLOAD_BYTES).")
    var maxUploadBytes: Int = env("HUBLOT_MAX_UPLOAD_BYTES").flatMap(Int.init) ?? 20 * 1024 * 1024

    @Option(help: "Connections kept open to the classifier (env HUBLOT_CLASSIFIER_CONNECTIONS).")
    var classifierConnections: Int = env("HUBLOT_CLASSIFIER_CONNECTIONS").flatMap(Int.init) ?? 16

    @Option(help: "Language when the browser asks for none we speak: fr or en (env HUBLOT_DEFAULT_LANGUAGE).")
    var defaultLanguage: String = env("HUBLOT_DEFAULT_LANGUAGE") ?? "fr"

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env LOG_LEVEL).")
    var logLevel: String = env("LOG_LEVEL") ?? "info"

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535.") }
        guard connectTimeout > 0, requestTimeout > 0 else { throw ValidationError("Timeouts must be positive.") }
        guard maxUploadBytes > 0 else { throw ValidationError("--max-upload-bytes must be positive.") }
        guard classifierConnections > 0 else { throw ValidationError("--classifier-connections must be positive.") }
        guard Language(code: defaultLanguage) != nil else { throw ValidationError("--default-language must be fr or en.") }
        guard URL(string: classifierURL)?.scheme?.hasPrefix("http") == true else {
            throw ValidationError("--classifier-url must be an http:// or https:// URL.")
        }
    }

    func run() async throws {
        var logger = Logger(label: "hublot-front")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let configuration = FrontConfiguration(
            host: host, port: port, classifierURL: classifierURL,
            connectTimeout: .milliseconds(Int(connectTimeout * 1000)),
            requestTimeout: .milliseconds(Int(requestTimeout * 1000)),
            maxUploadBytes: maxUploadBytes, maxConnections: classifierConnections,
            defaultLanguage: Language(code: defaultLanguage) ?? .french)
        let app = try await buildFrontApplication(configuration: configuration, logger: logger)
        try await app.runService()
    }
}

private func env(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
}
