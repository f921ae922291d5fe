import Foundation
import HublotClassifier
import Hummingbird
import HummingbirdTesting
import Testing

/// The configuration value and its validation.
@Suite("configuration")
struct ConfigurationTests {
    @Test("defaults are the documented ones and valid")
    func defaults() {
        let configuration = ClassifierConfiguration(modelsDirectory: URL(fileURLWithPath: "/tmp"))
        #expect(configuration.port == 8081)
        #expect(configuration.maxBatchSize == 8)
        #expect(configuration.maxBatchDelay == .milliseconds(2))
        #expect(configuration.maxBodyBytes == 20 * 1024 * 1024)
        #expect(configuration.defaultModel == "efficientnet_lite0")
        #expect(configuration.problems().isEmpty)
    }

    @Test("invalid values are reported, one message each, and the application refuses to build")
    func invalid() throws {
        var configuration = ClassifierConfiguration(modelsDirectory: URL(fileURLWithPath: "/tmp"))
        configuration.port = 70_000
        configuration.maxBatchSize = 0
        configuration.queueCapacity = 0
        configuration.maxBatchDelay = .milliseconds(-1)
        configuration.maxBodyBytes = 0
        #expect(configuration.problems().count == 5)
        #expect(throws: ConfigurationError.self) { _ = try ClassifierApplication.build(configuration: configuration) }
    }

    @Test("a missing repository refuses to build, naming the folder")
    func missingRepository() throws {
        let configuration = ClassifierConfiguration(modelsDirectory: URL(fileURLWithPath: "/nonexistent/hublot-models"))
        #expect { _ = try ClassifierApplication.build(configuration: configuration) } throws: { error in
            String(describing: error).contains("/nonexistent/hublot-models")
        }
    }

    @Test("the v2 binary tensor extension is refused with a message, not misread")
    func binaryExtensionRefused() async throws {
        try await withClassifier { client in
            let response = try await client.execute(
                uri: "/v2/models/efficientnet_lite0/infer", method: .post,
                headers: [.contentType: "application/octet-stream", .init("Inference-Header-Content-Length")!: "10"],
                body: ByteBuffer(string: "{\"inputs\":[]}"))
            try expectV2Error(response, .unsupportedMediaType)
        }
    }
}
