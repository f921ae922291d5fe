import Foundation

/// A model of the repository, ready to load: its metadata, its folder and its labels.
public struct ModelDescriptor: Sendable, Equatable {
    /// The parsed `model.json`.
    public let metadata: ModelMetadata
    /// The model's folder, `<repository>/<name>/`.
    public let directory: URL
    /// Class names for each output index (already shifted by `labels.offset`).
    public let classLabels: [String]

    /// The model name.
    public var name: String { metadata.name }
    /// Model input height in pixels.
    public var inputHeight: Int { metadata.input.height }
    /// Model input width in pixels.
    public var inputWidth: Int { metadata.input.width }
    /// Number of output classes.
    public var classCount: Int { metadata.output.classes }
    /// Whether the output needs a softmax (the output is logits).
    public var outputIsLogits: Bool { metadata.output.activation == "logits" }
    /// The ONNX file.
    public var modelURL: URL { directory.appendingPathComponent(metadata.onnx.file) }

    /// Reads and checks `model.json` and the labels file of the model in `directory`.
    public init(directory: URL) throws(HublotError) {
        let jsonURL = directory.appendingPathComponent("model.json")
        let metadata: ModelMetadata
        do {
            metadata = try JSONDecoder().decode(ModelMetadata.self, from: Data(contentsOf: jsonURL))
        } catch let error as DecodingError {
            throw HublotError(.invalidModelMetadata, "\(jsonURL.path): \(Self.describe(error))")
        } catch {
            throw HublotError(.invalidModelMetadata, "cannot read \(jsonURL.path): \(error.localizedDescription)")
        }
        try Self.validate(metadata, jsonURL: jsonURL)

        let labelsURL = directory.appendingPathComponent(metadata.labels.file)
        guard let text = try? String(contentsOf: labelsURL, encoding: .utf8) else {
            throw HublotError(.invalidModelMetadata, "cannot read the labels file \(labelsURL.path) (UTF-8 text expected)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" { lines.removeLast() }
        let needed = metadata.output.classes + metadata.labels.offset
        guard lines.count >= needed else {
            throw HublotError(
                .invalidModelMetadata,
                "\(labelsURL.path) has \(lines.count) lines; \(metadata.output.classes) classes with offset \(metadata.labels.offset) need \(needed)")
        }
        self.metadata = metadata
        self.directory = directory
        self.classLabels = Array(lines[metadata.labels.offset..<needed])
    }

    private static func validate(_ m: ModelMetadata, jsonURL: URL) throws(HublotError) {
        func fail(_ why: String) -> HublotError { HublotError(.invalidModelMetadata, "\(jsonURL.path): \(why)") }
        guard m.schemaVersion == ModelMetadata.supportedSchemaVersion else {
            throw fail("schema_version \(m.schemaVersion) is not supported (this reader knows \(ModelMetadata.supportedSchemaVersion))")
        }
        guard m.input.layout == "NHWC", m.input.channels == 3, m.input.dtype == "float32" else {
            throw fail("input must be float32 NHWC with 3 channels (got \(m.input.dtype) \(m.input.layout) \(m.input.channels))")
        }
        guard m.input.height > 0, m.input.width > 0, m.output.classes > 0 else {
            throw fail("input size and class count must be positive")
        }
        guard ["logits", "probabilities"].contains(m.output.activation) else {
            throw fail("output.activation must be \"logits\" or \"probabilities\" (got \"\(m.output.activation)\")")
        }
        guard m.labels.offset >= 0 else { throw fail("labels.offset must not be negative") }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong value at \(path(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "not valid JSON: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map(\.stringValue).joined(separator: ".")
    }
}
