/// The answer for one image: its top-k classes and where the time went.
public struct Classification: Sendable, Equatable {
    /// The best classes, most probable first.
    public let predictions: [Prediction]
    /// Decode, preprocess and inference times.
    public let timings: ImageTimings

    /// Creates a classification.
    public init(predictions: [Prediction], timings: ImageTimings) {
        self.predictions = predictions
        self.timings = timings
    }
}

/// Probabilities for every image of a batch, from one ONNX Runtime run.
public struct BatchProbabilities: Sendable {
    /// `probabilities[i]` holds the class probabilities of image `i` (softmax applied when the model gives logits).
    public let probabilities: [[Float]]
    /// Time of the ONNX Runtime run, in milliseconds.
    public let inferenceMilliseconds: Double
}
