import Foundation

/// What the API reports about a model whatever its state (fields are nil when `model.json` is unreadable).
public struct ModelSummary: Sendable, Equatable {
    /// The model name (its folder name).
    public var name: String
    /// Model family, e.g. "efficientnet".
    public var family: String?
    /// The TF Hub handle it came from.
    public var handle: String?
    /// Input height in pixels.
    public var inputHeight: Int?
    /// Input width in pixels.
    public var inputWidth: Int?
    /// Number of output classes.
    public var classes: Int?

    /// Creates a summary.
    public init(name: String, family: String? = nil, handle: String? = nil, inputHeight: Int? = nil, inputWidth: Int? = nil, classes: Int? = nil) {
        self.name = name
        self.family = family
        self.handle = handle
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.classes = classes
    }
}

/// An image decoded and preprocessed into the model's input tensor, with the time each step took.
public struct PreparedImage: Sendable {
    /// One NHWC float32 image, `height * width * 3` values in [0, 1].
    public let tensor: [Float]
    /// Time spent decoding.
    public let decodeDuration: Duration
    /// Time spent resizing/normalising.
    public let preprocessDuration: Duration

    /// Wraps a prepared tensor.
    public init(tensor: [Float], decodeDuration: Duration, preprocessDuration: Duration) {
        self.tensor = tensor
        self.decodeDuration = decodeDuration
        self.preprocessDuration = preprocessDuration
    }
}

/// One loaded, runnable model, as the server uses it. Implementations must be safe to call from
/// any thread; ``infer(_:)`` is only ever called from the model's own batching thread.
public protocol LoadedModel: Sendable {
    /// Static facts about the model.
    var summary: ModelSummary { get }
    /// Input height in pixels.
    var inputHeight: Int { get }
    /// Input width in pixels.
    var inputWidth: Int { get }
    /// Number of output classes.
    var classCount: Int { get }
    /// The class name of output index `index`.
    func label(_ index: Int) -> String
    /// Decodes image bytes (checking the pixel count from the header first) and preprocesses them.
    /// Throws a `HublotError` (`invalidImage`, `tooManyPixels`, `unsupportedImageFormat`, …).
    func prepare(_ bytes: [UInt8], maxPixels: Int) throws -> PreparedImage
    /// Runs ONE inference call on `inputs` and returns one probability row per input.
    func infer(_ inputs: [[Float]]) throws -> [[Float]]
}

/// Where models come from: the repository listing, their summaries, and loading one.
public protocol ModelSource: Sendable {
    /// Names of the models in the repository.
    func modelNames() throws -> [String]
    /// Best-effort summary of a model without loading it (only the name when metadata is unreadable).
    func summary(of name: String) -> ModelSummary
    /// Loads a model (slow: reads and optimises the ONNX graph).
    func load(_ name: String, inferenceThreads: Int?) throws -> any LoadedModel
}
