import Foundation
import HublotClassifier
import HublotCore
import HublotHTTP
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
        #expect(configuration.maxBodyBytes == UploadLimits.defaultMaxBytes)
        #expect(configuration.maxPixels == DecodeOptions.defaultMaxPixels)
        #expect(configuration.maxDecodedBytes == 128 << 20)
        #expect(configuration.maxJPEGScans == 100)
        #expect(configuration.decodeMemoryBytes == 384 << 20)
        #expect(configuration.bodyTimeout == .seconds(30))
        #expect(configuration.idleTimeout == .seconds(60))
        #expect(configuration.defaultModel == "efficientnet_lite0")
        #expect(configuration.maxExplanations == 2 && configuration.explainBatchSize == 4)
        #expect(configuration.responseCacheSize == 0)
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
        configuration.bodyTimeout = .zero
        configuration.idleTimeout = .seconds(-1)
        configuration.maxDecodedBytes = 0
        configuration.maxJPEGScans = 0
        configuration.decodeMemoryBytes = 0
        configuration.maxExplanations = -1
        configuration.explainBatchSize = 0
        configuration.responseCacheSize = -1
        #expect(configuration.problems().count == 13)
        #expect(throws: ConfigurationError.self) { _ = try ClassifierApplication.build(configuration: configuration) }
    }

    @Test("a decode memory smaller than one image's decode limit is refused")
    func decodeMemoryBelowOneImage() {
        var configuration = ClassifierConfiguration(modelsDirectory: URL(fileURLWithPath: "/tmp"))
        configuration.maxDecodedBytes = 1000
        configuration.decodeMemoryBytes = 999
        #expect(configuration.problems() == ["decode memory bytes must be at least max decoded bytes, or an image within the limit could never be decoded"])
        configuration.decodeMemoryBytes = 1000
        #expect(configuration.problems().isEmpty)
    }

    @Test("the decode limit reaches the service: lowered to 1000 bytes, it refuses the cat photo with 422")
    func decodingLimitsAreApplied() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier(configure: { $0.maxDecodedBytes = 1000 }) { client in
            let response = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            try expectError(response, .unprocessableContent, "too_many_pixels")
            #expect(String(buffer: response.body).contains("more than the limit"))
        }
    }

    @Test("a missing repository refuses to build, naming the folder")
    func missingRepository() throws {
        let configuration = ClassifierConfiguration(modelsDirectory: URL(fileURLWithPath: "/nonexistent/hublot-models"))
        #expect { _ = try ClassifierApplication.build(configuration: configuration) } throws: { error in
            String(describing: error).contains("/nonexistent/hublot-models")
        }
    }

    @Test("an environment variable holding an invalid value is refused, naming the variable")
    func invalidEnvironmentValues() {
        let environment = EnvironmentVariables([
            "HUBLOT_PORT": "80a", "HUBLOT_QUEUE_CAPACITY": "0", "HUBLOT_LOG_LEVEL": "loud", "HUBLOT_BODY_TIMEOUT": "-2",
            "HUBLOT_EMPTY": "",
        ])
        #expect { try environment.integer("HUBLOT_PORT", in: 0...65535) } throws: { String(describing: $0).contains("HUBLOT_PORT=80a") }
        #expect { try environment.integer("HUBLOT_QUEUE_CAPACITY") } throws: { String(describing: $0).contains("HUBLOT_QUEUE_CAPACITY") }
        #expect { try environment.logLevel("HUBLOT_LOG_LEVEL") } throws: { String(describing: $0).contains("HUBLOT_LOG_LEVEL=loud") }
        #expect { try environment.seconds("HUBLOT_BODY_TIMEOUT") } throws: { String(describing: $0).contains("HUBLOT_BODY_TIMEOUT") }
    }

    @Test("unset and empty variables give nothing; valid ones their value")
    func validEnvironmentValues() throws {
        let environment = EnvironmentVariables(["HUBLOT_PORT": "8090", "HUBLOT_EMPTY": "", "HUBLOT_LOG_LEVEL": "DEBUG", "T": "1.5"])
        #expect(try environment.integer("HUBLOT_PORT", in: 0...65535) == 8090)
        #expect(try environment.integer("HUBLOT_EMPTY") == nil)
        #expect(try environment.integer("HUBLOT_ABSENT") == nil)
        #expect(try environment.logLevel("HUBLOT_LOG_LEVEL") == .debug)
        #expect(try environment.seconds("T") == 1.5)
    }
}
