import Foundation
import HublotAPI
import HublotCore

/// One loaded, runnable model, as the server uses it. Implementations must be safe to call from
/// any thread; ``infer(_:count:)`` is only ever called from the model's own batching thread.
public protocol LoadedModel: Sendable {
    /// Static facts about the model (no status).
    var summary: Model { get }
    /// The version loaded.
    var version: ModelVersion { get }
    /// Input height in pixels.
    var inputHeight: Int { get }
    /// Input width in pixels.
    var inputWidth: Int { get }
    /// Number of output classes.
    var classCount: Int { get }
    /// Decodes image bytes (checking the header against the limits of `options` first) and preprocesses
    /// them straight into `row`, one image of a batch buffer. Throws a `HublotError` (`invalidImage`, `tooManyPixels`, …).
    func prepare(_ bytes: [UInt8], into row: UnsafeMutableBufferPointer<Float>, options: DecodeOptions) throws(HublotError) -> Timings
    /// Runs ONE inference call on the `count` images of `input`, read in place; one probability row per image.
    func infer(_ input: UnsafeBufferPointer<Float>, count: Int) throws -> [[Float]]
    /// The `k` most probable classes of one probability row, most probable first.
    func topK(_ probabilities: [Float], k: Int) -> [Prediction]
}

extension LoadedModel {
    /// Floats one input image occupies (`H × W × 3`).
    public var valuesPerImage: Int { self.inputHeight * self.inputWidth * 3 }
}

/// Where models come from: the repository's listing and loading one.
public protocol ModelSource: Sendable {
    /// Every model folder of the repository and the version it holds, without loading anything (cheap:
    /// reads `model.json` and the labels). Throws when the repository itself is unreadable.
    func scan() throws -> [ModelCandidate]
    /// Loads a model (slow: reads and optimises the ONNX graph).
    func load(_ name: String, inferenceThreads: Int?) throws -> any LoadedModel
}
