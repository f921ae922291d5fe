import Foundation
import Hummingbird
import HublotHTTP
import HublotVersion

/// Open Inference Protocol v2 (KServe / Triton HTTP/REST): health, metadata and FP32 JSON inference.
/// Errors here are `{"error": "message"}` as the protocol specifies (HublotHTTP's ``JSONErrorMiddleware`` in the `.openInference` shape).
public struct V2Routes: Sendable {
    /// The classification logic.
    public let service: ClassificationService
    /// Name of the input tensor.
    public static let inputName = "images"
    /// Name of the output tensor.
    public static let outputName = "probabilities"
    /// Server version reported by `GET /v2`: the project's version.
    public static let serverVersion = HublotRelease.version

    /// Creates the routes over `service`.
    public init(service: ClassificationService) {
        self.service = service
    }

    /// Adds `/v2/...` to `router`.
    public func add(to router: Router<HublotRequestContext>) {
        let group = router.group("v2").add(middleware: JSONErrorMiddleware(shape: .openInference))
        group.get { _, _ in
            V2.ServerMetadata(
                name: "hublot-classifier", version: Self.serverVersion,
                extensions: self.service.configuration.modelControl == .explicit ? ["model_repository"] : [])
        }
        group.get("health/live") { _, _ in V2.Live(live: true) }
        group.get("health/ready") { _, context in
            let ready = self.service.registry.entry(self.service.registry.defaultModel)?.state.isReady ?? false
            return try Self.readiness(ready, context: context)
        }
        for prefix in ["models/:name", "models/:name/versions/:version"] {
            group.get(RouterPath(prefix)) { _, context in try self.metadata(context) }
            group.get(RouterPath("\(prefix)/ready")) { _, context in
                let entry = try self.service.entry(try self.model(context))
                return try Self.readiness(entry.state.isReady, context: context)
            }
            group.post(RouterPath("\(prefix)/infer")) { request, context in try await self.infer(request, context: context) }
        }
    }

    /// 200 `{"ready": true}` or 503 `{"ready": false}`.
    static func readiness(_ ready: Bool, context: HublotRequestContext) throws -> Response {
        let data = try JSONEncoder().encode(V2.Ready(ready: ready))
        return Response(
            status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The model named in the path (and its version, which must be the one serving when given).
    private func model(_ context: HublotRequestContext) throws -> String {
        let name = try context.parameters.require("name")
        context.annotations.model = name
        if let version = context.parameters.get("version") {
            let current = try self.service.entry(name).version
            guard version == current else {
                throw APIError(
                    status: .notFound, code: .unknownModel,
                    message: "model '\(name)' has only version \(current ?? "none") loaded (asked: \(version))")
            }
        }
        return name
    }

    private func metadata(_ context: HublotRequestContext) throws -> V2.ModelMetadata {
        let name = try self.model(context)
        let entry = try self.service.entry(name)
        let summary = entry.summary
        let height = summary.input?.height ?? -1, width = summary.input?.width ?? -1, classes = summary.classes ?? -1
        return V2.ModelMetadata(
            name: name, versions: entry.version.map { [$0] } ?? [], platform: "onnxruntime_onnx",
            inputs: [V2.TensorMetadata(name: Self.inputName, datatype: "FP32", shape: [-1, height, width, 3])],
            outputs: [V2.TensorMetadata(name: Self.outputName, datatype: "FP32", shape: [-1, classes])])
    }

    private func infer(_ request: Request, context: HublotRequestContext) async throws -> V2.InferenceResponse {
        let started = ContinuousClock.now
        let name = try self.model(context)
        let entry = try self.service.entry(name)
        do {
            let response = try await self.run(request, entry: entry)
            self.service.metrics.recordRequest(model: name, status: 200, duration: ContinuousClock.now - started)
            return response
        } catch {
            self.service.metrics.recordRequest(model: name, status: APIError.from(error).status.code, duration: ContinuousClock.now - started)
            throw error
        }
    }

    /// Validates the inference request against the model (looked up once, in `entry`) and runs it.
    private func run(_ request: Request, entry: ModelEntry) async throws -> V2.InferenceResponse {
        let name = entry.summary.name, summary = entry.summary
        let ready = try self.service.ready(entry)
        if request.headers[HTTPFields.Element.Name("Inference-Header-Content-Length")!] != nil {
            throw APIError.unsupportedMediaType("the binary tensor extension is not supported; send JSON data (binary_data=false)")
        }
        if let type = request.headers[.contentType].flatMap(MediaType.init(from:)), !type.isType(.applicationJson) {
            throw APIError.unsupportedMediaType("send the inference request as application/json")
        }
        let body = try await UploadReader.collect(
            request.body, maxBytes: self.service.configuration.maxBodyBytes, timeout: self.service.configuration.bodyTimeout)
        let height = summary.input?.height ?? 0, width = summary.input?.width ?? 0
        let input = try V2.InferenceInput(body: Data(body), height: height, width: width)
        let (answered, rows) = try await self.service.infer(input.values, count: input.count, model: ready)
        let classes = rows.first?.count ?? 0
        return V2.InferenceResponse(
            model_name: name, model_version: answered.version, id: input.id,
            outputs: [V2.ResponseOutput(name: Self.outputName, datatype: "FP32", shape: [input.count, classes], data: rows.flatMap { $0 })])
    }
}
