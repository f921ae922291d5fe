import Foundation
import HublotAPI
import HublotClassifier
import HublotCore
import Hummingbird
import HummingbirdTesting
import Testing

/// int8 models as the classifier lists them: their precision, their fp32 model, and a warning on a CPU
/// without an int8 dot-product instruction.
@Suite("precision", .timeLimit(.minutes(3)))
struct PrecisionTests {
    static let noVNNI = CPUFeatures(cpuinfo: "flags\t\t: fpu avx2 fma\n")
    static let vnni = CPUFeatures(cpuinfo: "flags\t\t: fpu avx2 avx512_vnni\n")

    /// A repository with an fp32 model and its int8 entry (the same ONNX file: what is listed is read from model.json).
    static func repository() throws -> LiveRepository {
        let repository = try LiveRepository()
        try repository.publish("efficientnet_lite0", version: 1, fields: ["precision": "fp32"])
        try repository.publish("efficientnet_lite0_int8", version: 1, fields: ["precision": "int8", "source_model": "efficientnet_lite0"])
        return repository
    }

    func models(_ cpu: CPUFeatures, repository: LiveRepository) async throws -> [String: Model] {
        try await withClassifierAndModels(models: repository.url, source: CoreModelSource(repository: repository.url, cpu: cpu)) { client, models in
            _ = try await models.registry.settledState(of: "efficientnet_lite0_int8")
            let list = try decode(ModelList.self, try await client.execute(uri: "/v1/models", method: .get))
            return Dictionary(uniqueKeysWithValues: list.models.map { ($0.name, $0) })
        }
    }

    @Test("on a CPU without VNNI an int8 model serves, listed with its precision, its fp32 model and a warning")
    func warningWithoutDotProduct() async throws {
        let repository = try Self.repository()
        defer { repository.delete() }
        let models = try await self.models(Self.noVNNI, repository: repository)
        let int8 = try #require(models["efficientnet_lite0_int8"])
        #expect(int8.status == "ready" && int8.precision == "int8" && int8.sourceModel == "efficientnet_lite0")
        #expect(int8.warning == CoreModelSource.int8WithoutDotProduct)
        let fp32 = try #require(models["efficientnet_lite0"])
        #expect(fp32.precision == "fp32" && fp32.sourceModel == nil && fp32.warning == nil)
    }

    @Test("on a CPU with VNNI the int8 model has no warning; the JSON says source_model")
    func noWarningWithDotProduct() async throws {
        let repository = try Self.repository()
        defer { repository.delete() }
        let models = try await self.models(Self.vnni, repository: repository)
        #expect(models["efficientnet_lite0_int8"]?.warning == nil)
        let encoded = String(decoding: try JSONEncoder().encode(models["efficientnet_lite0_int8"]), as: UTF8.self)
        #expect(encoded.contains(#""source_model":"efficientnet_lite0""#) && encoded.contains(#""precision":"int8""#))
    }
}
