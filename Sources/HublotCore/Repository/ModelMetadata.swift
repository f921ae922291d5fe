/// The contents of a model's `model.json` (schema version 1), as written by hublot-init.
///
/// See "The model repository" in `docs/architecture.md` for the contract.
public struct ModelMetadata: Codable, Sendable, Equatable {
    /// The only schema version this reader understands.
    public static let supportedSchemaVersion = 1

    /// The model input as the Colab feeds it.
    public struct Input: Codable, Sendable, Equatable {
        /// The ONNX input name.
        public var name: String
        /// Input height in pixels.
        public var height: Int
        /// Input width in pixels.
        public var width: Int
        /// Colour channels (3).
        public var channels: Int
        /// Tensor layout ("NHWC").
        public var layout: String
        /// Element type ("float32").
        public var dtype: String
        /// Range of input values, e.g. [0, 1].
        public var valueRange: [Double]?
        /// Resize method ("resize_with_pad").
        public var resize: String?
        /// Interpolation ("bilinear").
        public var interpolation: String?
        /// Whether the Colab fed this model at a variable size.
        public var dynamicSize: Bool?

        enum CodingKeys: String, CodingKey {
            case name, height, width, channels, layout, dtype, resize, interpolation
            case valueRange = "value_range", dynamicSize = "dynamic_size"
        }
    }

    /// The model output.
    public struct Output: Codable, Sendable, Equatable {
        /// The ONNX output name.
        public var name: String
        /// Number of classes the output holds.
        public var classes: Int
        /// "logits" (apply softmax) or "probabilities" (use as is).
        public var activation: String
    }

    /// Where the class names are.
    public struct Labels: Codable, Sendable, Equatable {
        /// The labels file name inside the model folder.
        public var file: String
        /// Lines in the labels file.
        public var count: Int
        /// Label of output `i` is line `i + offset`.
        public var offset: Int
        /// Name of the label set, e.g. "imagenet-1k-background".
        public var set: String?
    }

    /// The ONNX file.
    public struct ONNX: Codable, Sendable, Equatable {
        /// The ONNX file name inside the model folder.
        public var file: String
        /// SHA-256 of the file, hex.
        public var sha256: String?
        /// File size in bytes.
        public var bytes: Int?
        /// ONNX opset.
        public var opset: Int?
    }

    /// Schema version, must be 1.
    public var schemaVersion: Int
    /// The model name (its folder name).
    public var name: String
    /// Model family, e.g. "efficientnet".
    public var family: String?
    /// The TF Hub handle the model came from.
    public var handle: String?
    /// The input description.
    public var input: Input
    /// The output description.
    public var output: Output
    /// The labels description.
    public var labels: Labels
    /// The ONNX file description.
    public var onnx: ONNX
    /// The model's version: 1 at the first prepare, +1 each time hublot-init publishes a different
    /// `model.onnx` under this name (absent in repositories prepared before versions existed).
    public var version: Int?
    /// The numeric precision of the weights and operations: "fp32", or "int8" for a quantized model
    /// (absent in repositories prepared before hublot-init quantized: fp32).
    public var precision: String?
    /// For a quantized model, the fp32 model it was made from.
    public var sourceModel: String?

    enum CodingKeys: String, CodingKey {
        case name, family, handle, input, output, labels, onnx, version, precision
        case schemaVersion = "schema_version"
        case sourceModel = "source_model"
    }
}
