import Foundation
import Hummingbird
import HublotHTTP

/// Open Inference Protocol v2 over HTTP/REST (KServe / Triton): health, metadata and inference, with JSON
/// or binary tensors (``V2/BinaryData``); the operations are ``OpenInferenceService``'s.
/// Errors here are `{"error": "message"}` as the protocol specifies (HublotHTTP's ``JSONErrorMiddleware`` in the `.openInference` shape).
public struct V2Routes: Sendable {
    /// The protocol's operations.
    public let service: OpenInferenceService
    /// Name of the input tensor.
    public static let inputName = "images"
    /// Name of the output tensor.
    public static let outputName = "probabilities"

    /// Creates the routes over `service`.
    public init(service: OpenInferenceService) {
        self.service = service
    }

    /// Adds `/v2/...` to `router`.
    public func add(to router: Router<HublotRequestContext>) {
        let group = router.group("v2").add(middleware: JSONErrorMiddleware(shape: .openInference))
        group.get { _, _ in
            V2.ServerMetadata(name: OpenInferenceService.serverName, version: OpenInferenceService.serverVersion, extensions: self.service.extensions)
        }
        group.get("health/live") { _, _ in V2.Live(live: true) }
        group.get("health/ready") { _, _ in try Self.readiness(self.service.serverReady) }
        for prefix in ["models/:name", "models/:name/versions/:version"] {
            group.get(RouterPath(prefix)) { _, context in self.service.metadata(try self.entry(context)) }
            group.get(RouterPath("\(prefix)/ready")) { _, context in try Self.readiness(try self.entry(context).state.isReady) }
            group.post(RouterPath("\(prefix)/infer")) { request, context in
                let entry = try self.entry(context)
                return try await self.service.counted(model: entry.summary.name) { try await self.infer(request, entry: entry) }
            }
        }
    }

    /// 200 `{"ready": true}` or 503 `{"ready": false}`.
    static func readiness(_ ready: Bool) throws -> Response {
        let data = try JSONEncoder().encode(V2.Ready(ready: ready))
        return Response(
            status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The model named in the path (and its version, which must be the one serving when given).
    private func entry(_ context: HublotRequestContext) throws -> ModelEntry {
        let name = try context.parameters.require("name")
        context.annotations.model = name
        return try self.service.entry(name, version: context.parameters.get("version"))
    }

    /// Reads the inference request (JSON, or binary with `Inference-Header-Content-Length`), runs it, and answers.
    private func infer(_ request: Request, entry: ModelEntry) async throws -> Response {
        let configuration = self.service.classification.configuration
        let headerLengthField = request.headers[V2.BinaryData.headerLengthField]
        try Self.checkEncoding(request.headers, binary: headerLengthField != nil)
        // A model that is not ready is refused before the body is read.
        _ = try self.service.classification.ready(entry)
        let body = try await UploadReader.collect(request.body, maxBytes: configuration.maxBodyBytes, timeout: configuration.bodyTimeout)
        let headerLength = try headerLengthField.map { try V2.BinaryData.headerLength($0, bodyCount: body.count) }
        let result = try await self.service.infer(entry) { height, width, classes in
            try V2.InferenceInput(body: Data(body), height: height, width: width, classes: classes, headerLength: headerLength)
        }
        return try Self.answer(result)
    }

    /// Refuses a compressed body, and a media type other than JSON (or, with the binary tensor
    /// extension, `application/octet-stream`), with 415.
    static func checkEncoding(_ headers: HTTPFields, binary: Bool) throws {
        if let encoding = headers[.contentEncoding], encoding.lowercased() != "identity" {
            throw APIError.unsupportedMediaType("compressed requests (Content-Encoding: \(encoding)) are not supported; send the body uncompressed")
        }
        guard let type = headers[.contentType].flatMap(MediaType.init(from:)) else { return }
        if type.isType(.applicationJson) || (binary && type.isType(.applicationBinary)) { return }
        throw APIError.unsupportedMediaType(
            binary
                ? "send a binary inference request as application/octet-stream (or without Content-Type)"
                : "send the inference request as application/json")
    }

    /// The answer: the output as JSON data, or as binary data after the JSON header whose length
    /// `Inference-Header-Content-Length` gives.
    static func answer(_ result: InferenceResult) throws -> Response {
        let (datatype, shape, data) = result.output
        let binary = result.input.output.binary
        let bytes = binary ? data.rawBytes : []
        let output = V2.ResponseOutput(
            name: Self.outputName, datatype: datatype, shape: shape, data: binary ? nil : data,
            parameters: binary ? V2.BinaryDataParameters(binary_data_size: bytes.count) : nil)
        let header = try JSONEncoder().encode(
            V2.InferenceResponse(model_name: result.model.name, model_version: result.model.version, id: result.input.id, outputs: [output]))
        guard binary else {
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: header)))
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(header.count + bytes.count)
        buffer.writeBytes(header)
        buffer.writeBytes(bytes)
        return Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream", V2.BinaryData.headerLengthField: String(header.count)],
            body: .init(byteBuffer: buffer))
    }
}
