import Hummingbird

/// `GET /v1/models` answer.
public struct ModelListResponse: ResponseCodable, Sendable {
    /// The default model's name.
    public let `default`: String
    /// Every model.
    public let models: [ModelResponse]
}

/// One model in the Hublot API.
public struct ModelResponse: ResponseCodable, Sendable, Equatable {
    /// Input size of the model.
    public struct Input: Codable, Sendable, Equatable {
        /// Height in pixels.
        public let height: Int
        /// Width in pixels.
        public let width: Int
    }
    /// The model name.
    public let name: String
    /// Model family (absent when unknown).
    public let family: String?
    /// TF Hub handle it came from (absent when unknown).
    public let handle: String?
    /// Input size (absent when `model.json` could not be read).
    public let input: Input?
    /// Number of classes (absent when `model.json` could not be read).
    public let classes: Int?
    /// `loading`, `ready` or `failed`.
    public let status: String
    /// Why the model failed (only when `failed`).
    public let reason: String?

    /// The API view of a registry entry.
    init(_ entry: ModelEntry) {
        let summary = entry.summary
        self.name = summary.name
        self.family = summary.family
        self.handle = summary.handle
        if let height = summary.inputHeight, let width = summary.inputWidth {
            self.input = Input(height: height, width: width)
        } else {
            self.input = nil
        }
        self.classes = summary.classes
        self.status = entry.state.status
        if case .failed(let reason) = entry.state { self.reason = reason } else { self.reason = nil }
    }
}

/// One predicted class.
public struct Prediction: Codable, Sendable, Equatable {
    /// Output index of the class.
    public let index: Int
    /// Class name.
    public let label: String
    /// Probability in [0, 1].
    public let probability: Float
}

/// Where the time of one classification went, in milliseconds.
public struct Timings: Codable, Sendable, Equatable {
    /// Decoding the image.
    public let decode_ms: Double
    /// Resizing and normalising it.
    public let preprocess_ms: Double
    /// Waiting in the batch queue.
    public let queue_ms: Double
    /// The ONNX Runtime call of its batch.
    public let inference_ms: Double
    /// From the start of the request handling to the answer (reading the upload included).
    public let total_ms: Double
}

/// `POST /v1/models/{name}/classify` answer.
public struct ClassifyResponse: ResponseCodable, Sendable {
    /// The model that answered.
    public let model: String
    /// The top-k classes, most probable first.
    public let predictions: [Prediction]
    /// Where the time went.
    public let timings: Timings
}
