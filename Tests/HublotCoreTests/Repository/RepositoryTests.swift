import Foundation
import HublotCore
import Testing

/// The model repository reader and model loading errors.
@Suite("Model repository")
struct RepositoryTests {
    @Test func listsModelsAndIgnoresDotFolders() throws {
        let repository = try Fixtures.tinyRepository()
        try FileManager.default.createDirectory(
            at: repository.url.appendingPathComponent(".tmp-partial"), withIntermediateDirectories: true)
        #expect(try repository.modelNames() == ["broken-json", "corrupt", "future-schema", "short-labels", "tiny", "tiny-probabilities"])
    }

    @Test func readsModelJSONAndAppliesTheLabelOffset() throws {
        let model = try Fixtures.tinyRepository().model(named: "tiny")
        #expect(model.inputWidth == 8 && model.inputHeight == 8 && model.classCount == 4)
        #expect(model.classLabels == ["red", "green", "blue", "white"])
        #expect(model.outputIsLogits)
    }

    @Test func embeddedModelHasImageNetLabels() throws {
        let model = try Fixtures.defaultModelRepository().model(named: "efficientnet_lite0")
        #expect(model.classLabels.count == 1000)
        #expect(model.classLabels[0] == "tench")
        #expect(model.classLabels[954] == "banana")
    }

    @Test func missingRepository() {
        let repository = ModelRepository(url: URL(fileURLWithPath: "/nonexistent/hublot-models"))
        let error = hublotError { _ = try repository.model(named: "x") }
        #expect(error?.kind == .repositoryNotFound)
        #expect(error?.message.contains("/nonexistent/hublot-models") == true)
    }

    @Test func unknownModelListsTheAvailableOnes() throws {
        let repository = try Fixtures.tinyRepository()
        let error = hublotError { _ = try repository.model(named: "resnet") }
        #expect(error?.kind == .unknownModel)
        #expect(error?.message.contains("available: broken-json, corrupt, future-schema, short-labels, tiny, tiny-probabilities") == true)
    }

    @Test func brokenModelJSON() throws {
        let repository = try Fixtures.tinyRepository()
        let error = hublotError { _ = try repository.model(named: "broken-json") }
        #expect(error?.kind == .invalidModelMetadata)
        #expect(error?.message.contains("model.json") == true)
    }

    @Test func labelsFileTooShort() throws {
        let repository = try Fixtures.tinyRepository()
        let error = hublotError { _ = try repository.model(named: "short-labels") }
        #expect(error?.kind == .invalidModelMetadata)
        #expect(error?.message.contains("has 2 lines") == true)
    }

    @Test func unknownSchemaVersion() throws {
        let repository = try Fixtures.tinyRepository()
        let error = hublotError { _ = try repository.model(named: "future-schema") }
        #expect(error?.kind == .invalidModelMetadata)
        #expect(error?.message.contains("schema_version 2") == true)
    }

    @Test("corrupt model.onnx: ORT's message and the file")
    func corruptONNX() throws {
        let repository = try Fixtures.tinyRepository()
        let error = hublotError {
            _ = try Classifier(repository: repository, name: "corrupt", environment: Fixtures.environment)
        }
        #expect(error?.kind == .modelLoadFailed)
        #expect(error?.message.contains("corrupt/model.onnx") == true)
        #expect(error?.message.contains("ONNX Runtime:") == true)
    }
}
