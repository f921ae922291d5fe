/// The JSON shapes of hublot-classifier's `/v1` API that the front reads (see docs/architecture.md).
public enum ClassifierAPI {
    /// `GET /v1/models`.
    public struct ModelList: Codable, Sendable {
        /// The model used when a request names none.
        public var `default`: String?
        /// Every model of the repository.
        public var models: [Model]
    }

    /// One model as the classifier describes it.
    public struct Model: Codable, Sendable {
        /// Its input size.
        public struct Input: Codable, Sendable {
            /// Height in pixels.
            public var height: Int
            /// Width in pixels.
            public var width: Int
        }

        /// Its unique name, used in URLs.
        public var name: String
        /// Its family (efficientnet, mobilenet, …), used to group the picker.
        public var family: String?
        /// The TF Hub handle it was prepared from.
        public var handle: String?
        /// Its input size.
        public var input: Input?
        /// Number of classes.
        public var classes: Int?
        /// `loading`, `ready` or `failed`.
        public var status: String?
        /// Why it failed, when it did.
        public var reason: String?
    }

    /// `POST /v1/models/{name}/classify`.
    public struct Classification: Codable, Sendable {
        /// The model that answered.
        public var model: String
        /// The top-k predictions, most probable first.
        public var predictions: [Prediction]
        /// Where the time went.
        public var timings: Timings?
    }

    /// One predicted class.
    public struct Prediction: Codable, Sendable {
        /// The output index.
        public var index: Int
        /// The human label.
        public var label: String
        /// The probability in [0, 1].
        public var probability: Double
    }

    /// Server-side timings in milliseconds.
    public struct Timings: Codable, Sendable {
        /// Image decoding.
        public var decodeMs: Double?
        /// Resize and normalisation.
        public var preprocessMs: Double?
        /// Waiting for a batch slot.
        public var queueMs: Double?
        /// ONNX Runtime.
        public var inferenceMs: Double?
        /// The whole request in the classifier.
        public var totalMs: Double?

        enum CodingKeys: String, CodingKey {
            case decodeMs = "decode_ms"
            case preprocessMs = "preprocess_ms"
            case queueMs = "queue_ms"
            case inferenceMs = "inference_ms"
            case totalMs = "total_ms"
        }
    }
}
