import Foundation
import GRPCCore
import HublotHTTP
import OpenInferenceGRPC

/// The Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`): health, metadata,
/// inference and Triton's repository RPCs, over the same operations as the `/v2` HTTP routes
/// (``OpenInferenceService``, ``RepositoryService``), so that a request has the same answer and the same
/// error either way (``APIError/grpcStatus``). Inference requests join the models' batch queues beside
/// HTTP ones.
public struct InferenceGRPCService: Inference_GRPCInferenceService.SimpleServiceProtocol {
    /// The protocol's operations.
    public let inference: OpenInferenceService
    /// The repository's operations.
    public let repository: RepositoryService

    /// Creates the service.
    public init(inference: OpenInferenceService, repository: RepositoryService) {
        self.inference = inference
        self.repository = repository
    }

    public func serverLive(request: Inference_ServerLiveRequest, context: ServerContext) async throws -> Inference_ServerLiveResponse {
        .with { $0.live = true }
    }

    public func serverReady(request: Inference_ServerReadyRequest, context: ServerContext) async throws -> Inference_ServerReadyResponse {
        .with { $0.ready = self.inference.serverReady }
    }

    public func modelReady(request: Inference_ModelReadyRequest, context: ServerContext) async throws -> Inference_ModelReadyResponse {
        let entry = try await Self.mapped { try self.inference.entry(request.name, version: request.version) }
        return .with { $0.ready = entry.state.isReady }
    }

    public func serverMetadata(
        request: Inference_ServerMetadataRequest, context: ServerContext
    ) async throws -> Inference_ServerMetadataResponse {
        .with {
            $0.name = OpenInferenceService.serverName
            $0.version = OpenInferenceService.serverVersion
            $0.extensions = self.inference.extensions
        }
    }

    public func modelMetadata(
        request: Inference_ModelMetadataRequest, context: ServerContext
    ) async throws -> Inference_ModelMetadataResponse {
        let metadata = try await Self.mapped { self.inference.metadata(try self.inference.entry(request.name, version: request.version)) }
        func tensors(_ tensors: [V2.TensorMetadata]) -> [Inference_ModelMetadataResponse.TensorMetadata] {
            tensors.map { tensor in
                .with {
                    $0.name = tensor.name
                    $0.datatype = tensor.datatype
                    $0.shape = tensor.shape.map(Int64.init)
                }
            }
        }
        return .with {
            $0.name = metadata.name
            $0.versions = metadata.versions
            $0.platform = metadata.platform
            $0.inputs = tensors(metadata.inputs)
            $0.outputs = tensors(metadata.outputs)
        }
    }

    /// Runs an inference. The input is FP32 `[N, H, W, 3]` (`fp32_contents` or raw) or BYTES `[N]` / `[N, 1]`
    /// of encoded images (`bytes_contents` or raw); the output comes in `raw_output_contents`, as Triton
    /// answers: FP32 probabilities, or BYTES `"probability:index:label"` strings when the output asks for a
    /// `classification`.
    public func modelInfer(request: Inference_ModelInferRequest, context: ServerContext) async throws -> Inference_ModelInferResponse {
        try await Self.mapped {
            let entry = try self.inference.entry(request.modelName, version: request.modelVersion)
            return try await self.inference.counted(model: entry.summary.name) {
                let result = try await self.inference.infer(entry) { height, width, classes in
                    try Self.input(request, height: height, width: width, classes: classes)
                }
                let (datatype, shape, data) = result.output
                return .with {
                    $0.modelName = result.model.name
                    $0.modelVersion = result.model.version
                    $0.id = request.id
                    $0.outputs = [
                        .with {
                            $0.name = V2Routes.outputName
                            $0.datatype = datatype
                            $0.shape = shape.map(Int64.init)
                        }
                    ]
                    $0.rawOutputContents = [Data(data.rawBytes)]
                }
            }
        }
    }

    public func repositoryIndex(
        request: Inference_RepositoryIndexRequest, context: ServerContext
    ) async throws -> Inference_RepositoryIndexResponse {
        let entries = await self.repository.index(readyOnly: request.ready)
        return .with {
            $0.models = entries.map { entry in
                .with {
                    $0.name = entry.name
                    $0.version = entry.version ?? ""
                    $0.state = entry.state
                    $0.reason = entry.reason ?? ""
                }
            }
        }
    }

    public func repositoryModelLoad(
        request: Inference_RepositoryModelLoadRequest, context: ServerContext
    ) async throws -> Inference_RepositoryModelLoadResponse {
        try await Self.mapped {
            try RepositoryService.checkParameters(request.parameters.keys)
            _ = try await self.repository.load(request.modelName)
            return Inference_RepositoryModelLoadResponse()
        }
    }

    public func repositoryModelUnload(
        request: Inference_RepositoryModelUnloadRequest, context: ServerContext
    ) async throws -> Inference_RepositoryModelUnloadResponse {
        try await Self.mapped {
            try RepositoryService.checkParameters(request.parameters.keys)
            _ = try await self.repository.unload(request.modelName)
            return Inference_RepositoryModelUnloadResponse()
        }
    }

    /// The request's input checked against the model: its one input's data from `raw_input_contents` or
    /// from its contents, its requested output's `classification`.
    static func input(_ request: Inference_ModelInferRequest, height: Int, width: Int, classes: Int) throws -> V2.InferenceInput {
        let raw = request.rawInputContents
        guard raw.isEmpty || raw.count == request.inputs.count else {
            throw APIError.badRequest("raw_input_contents holds \(raw.count) entries for \(request.inputs.count) inputs")
        }
        let inputs = try request.inputs.enumerated().map { index, input in
            let contents = input.contents
            let data: V2.InferenceInput.InputData
            if !raw.isEmpty {
                guard contents.fp32Contents.isEmpty, contents.bytesContents.isEmpty else {
                    throw APIError.badRequest("input '\(input.name)' has both contents and raw_input_contents; send one of them")
                }
                data = .raw(raw[index])
            } else if !contents.fp32Contents.isEmpty {
                data = .numbers(contents.fp32Contents)
            } else if !contents.bytesContents.isEmpty {
                data = .elements(contents.bytesContents.map { [UInt8]($0) })
            } else {
                data = .none
            }
            return V2.InferenceInput.InputTensor(name: input.name, datatype: input.datatype, shape: input.shape.map(Self.dimension), data: data)
        }
        let outputs = try request.outputs.map { output in
            V2.InferenceInput.RequestedOutput(name: output.name, binary: true, classification: try Self.classification(output.parameters["classification"]))
        }
        return try V2.InferenceInput(
            id: request.id, inputs: inputs, outputs: outputs, binaryByDefault: true, height: height, width: width, classes: classes)
    }

    /// A shape's dimension as an `Int` (a 64-bit one is one already; this clamps where `Int` is narrower).
    private static func dimension(_ value: Int64) -> Int {
        Int(clamping: value)
    }

    /// The `classification` parameter's value: an integer (tritonclient sends `int64_param`).
    private static func classification(_ parameter: Inference_InferParameter?) throws -> Int? {
        guard let parameter else { return nil }
        switch parameter.parameterChoice {
        case .int64Param(let value): return Int(clamping: value)
        case .uint64Param(let value): return Int(clamping: value)
        default: throw APIError.badRequest("the classification parameter must be an integer")
        }
    }

    /// Runs `body`, turning an ``APIError`` into its gRPC status.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError {
            throw error.grpcStatus
        }
    }
}
