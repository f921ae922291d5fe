/// One predicted class.
public struct Prediction: Codable, Sendable, Equatable {
    /// Output index of the class (0-based, the model's own order).
    public var index: Int
    /// The class name from `labels.txt` (offset applied).
    public var label: String
    /// Probability in [0, 1].
    public var probability: Float

    /// Creates a prediction.
    public init(index: Int, label: String, probability: Float) {
        self.index = index
        self.label = label
        self.probability = probability
    }
}

/// Where the time of one classification went, in milliseconds (`decode_ms`, … on the wire).
/// HublotCore fills decode, preprocess and inference; the classifier adds queue and total.
public struct Timings: Codable, Sendable, Equatable {
    /// Decoding the file to pixels.
    public var decodeMs: Double
    /// Resizing and normalising to the model input.
    public var preprocessMs: Double
    /// Waiting in the batch queue.
    public var queueMs: Double
    /// The ONNX Runtime call of its batch (shared by the batch).
    public var inferenceMs: Double
    /// From the start of the request handling to the answer (reading the upload included).
    public var totalMs: Double
    /// True when the answer came from the classifier's response cache (no decode, no inference); absent otherwise.
    public var cached: Bool?

    enum CodingKeys: String, CodingKey {
        case decodeMs = "decode_ms"
        case preprocessMs = "preprocess_ms"
        case queueMs = "queue_ms"
        case inferenceMs = "inference_ms"
        case totalMs = "total_ms"
        case cached
    }

    /// Timings from durations (the one conversion to milliseconds).
    public init(decode: Duration = .zero, preprocess: Duration = .zero, queue: Duration = .zero, inference: Duration = .zero, total: Duration = .zero) {
        self.decodeMs = decode.milliseconds
        self.preprocessMs = preprocess.milliseconds
        self.queueMs = queue.milliseconds
        self.inferenceMs = inference.milliseconds
        self.totalMs = total.milliseconds
    }
}

/// The answer for one image: the model, its top-k classes and where the time went
/// (`POST /v1/models/{name}/classify`; also what HublotCore's `Classifier.classify` returns).
public struct Classification: Codable, Sendable, Equatable {
    /// The model that answered.
    public var model: String
    /// The version of the model that answered (absent from the command line's answers).
    public var version: String?
    /// The top-k classes, most probable first.
    public var predictions: [Prediction]
    /// Where the time went.
    public var timings: Timings

    /// Creates a classification.
    public init(model: String, version: String? = nil, predictions: [Prediction], timings: Timings) {
        self.model = model
        self.version = version
        self.predictions = predictions
        self.timings = timings
    }
}

extension Duration {
    /// The duration in milliseconds.
    public var milliseconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
