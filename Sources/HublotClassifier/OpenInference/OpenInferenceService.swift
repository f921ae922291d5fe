import Foundation
import HublotHTTP
import HublotVersion

/// The Open Inference Protocol's operations, whatever the transport: the `/v2` HTTP routes
/// (``V2Routes``) and the gRPC service (``InferenceGRPCService``) are two faces of this one service, so
/// that both answer the same, with the same errors (``APIError``, mapped once to HTTP and once to gRPC).
public struct OpenInferenceService: Sendable {
    /// The classification logic: the models, their queues, the limits.
    public let classification: ClassificationService
    /// The server's name in the server metadata.
    public static let serverName = "hublot-classifier"
    /// The server's version in the server metadata: the project's version.
    public static let serverVersion = HublotRelease.version
    /// The backend platform in the model metadata.
    public static let platform = "onnxruntime_onnx"

    /// Creates the service over `classification`.
    public init(classification: ClassificationService) {
        self.classification = classification
    }

    /// The protocol extensions served: `model_repository` when models can be loaded and unloaded.
    public var extensions: [String] {
        self.classification.configuration.modelControl == .explicit ? ["model_repository"] : []
    }

    /// Whether the server is ready: its default model is.
    public var serverReady: Bool {
        self.classification.registry.entry(self.classification.registry.defaultModel)?.state.isReady ?? false
    }

    /// The entry of model `name`; `version`, when given (not empty), must be the one serving. Else 404.
    public func entry(_ name: String, version: String?) throws -> ModelEntry {
        let entry = try self.classification.entry(name)
        if let version, !version.isEmpty, version != entry.version {
            throw APIError(
                status: .notFound, code: .unknownModel,
                message: "model '\(name)' has only version \(entry.version ?? "none") loaded (asked: \(version))")
        }
        return entry
    }

    /// The metadata of `entry`: input `images` FP32 `[-1, H, W, 3]`, output `probabilities` FP32 `[-1, classes]`.
    public func metadata(_ entry: ModelEntry) -> V2.ModelMetadata {
        let summary = entry.summary
        let height = summary.input?.height ?? -1, width = summary.input?.width ?? -1, classes = summary.classes ?? -1
        return V2.ModelMetadata(
            name: summary.name, versions: entry.version.map { [$0] } ?? [], platform: Self.platform,
            inputs: [V2.TensorMetadata(name: V2Routes.inputName, datatype: "FP32", shape: [-1, height, width, 3])],
            outputs: [V2.TensorMetadata(name: V2Routes.outputName, datatype: "FP32", shape: [-1, classes])])
    }

    /// Checks a request against the model of `entry` (which must be ready, else 503) with `decode`, which
    /// gets the model's input height, width and class count, then runs it: preprocessed images are copied
    /// into the batch, encoded ones decoded into it. Returns the input, the version that answered and its rows.
    public func infer(
        _ entry: ModelEntry, decode: (_ height: Int, _ width: Int, _ classes: Int) throws -> V2.InferenceInput
    ) async throws -> InferenceResult {
        let ready = try self.classification.ready(entry)
        let input = try decode(entry.summary.input?.height ?? 0, entry.summary.input?.width ?? 0, ready.model.classCount)
        let answered: ReadyModel, rows: [[Float]]
        switch input.tensor {
        case .pixels(let values): (answered, rows) = try await self.classification.infer(values, count: input.count, model: ready)
        case .images(let images): (answered, rows) = try await self.classification.infer(images: images, model: ready)
        }
        return InferenceResult(input: input, model: answered, rows: rows)
    }

    /// Runs `body` for model `model` and counts it in the classification metrics (by model and HTTP
    /// status), whichever transport it came by.
    public func counted<T>(model: String, _ body: () async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        do {
            let result = try await body()
            self.classification.metrics.recordRequest(model: model, status: 200, duration: ContinuousClock.now - started)
            return result
        } catch {
            self.classification.metrics.recordRequest(model: model, status: APIError.from(error).status.code, duration: ContinuousClock.now - started)
            throw error
        }
    }
}

/// An inference's answer, before it is put on the wire.
public struct InferenceResult: Sendable {
    /// The request, checked.
    public let input: V2.InferenceInput
    /// The version that answered.
    public let model: ReadyModel
    /// One row of probabilities per image.
    public let rows: [[Float]]

    /// The output tensor's datatype and shape, and its values: the probabilities (FP32 `[N, classes]`), or,
    /// for a classification, the top k classes (BYTES `[N, k]` of `"probability:index:label"` strings, as
    /// Triton's classification extension writes them).
    public var output: (datatype: String, shape: [Int], data: V2.ResponseData) {
        guard let k = self.input.output.classification else {
            return ("FP32", [self.input.count, self.rows.first?.count ?? 0], .numbers(self.rows.flatMap { $0 }))
        }
        let strings = self.rows.flatMap { row in
            self.model.model.topK(row, k: k).map { "\(String(format: "%f", Double($0.probability))):\($0.index):\($0.label)" }
        }
        return ("BYTES", [self.input.count, k], .strings(strings))
    }
}

extension V2.ResponseData {
    /// The values as raw bytes: FP32 little-endian, or BYTES elements each behind its 4-byte length.
    public var rawBytes: [UInt8] {
        switch self {
        case .numbers(let values): V2.BinaryData.bytes(of: values)
        case .strings(let strings): V2.BinaryData.bytes(of: strings)
        }
    }
}
