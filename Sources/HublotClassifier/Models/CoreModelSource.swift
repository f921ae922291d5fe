import Foundation
import HublotAPI
import HublotCore
import Synchronization

/// The real ``ModelSource``: HublotCore's model repository, ONNX Runtime sessions, image decoding and
/// the Colab's preprocessing.
public struct CoreModelSource: ModelSource {
    /// The repository folder.
    public let repository: ModelRepository

    /// The ONNX Runtime environment, one per process, created by the first load: its global thread
    /// pool (sized by that load's `inferenceThreads`, threads that sleep rather than spin, since the
    /// decoders and the event loops share the cores) runs every model's session.
    private static let environment = Mutex<OrtEnvironment?>(nil)

    static func environment(threads: Int?) throws(HublotError) -> OrtEnvironment {
        try Self.environment.withLock { environment throws(HublotError) in
            if let environment { return environment }
            let created = try OrtEnvironment(
                logIdentifier: "hublot-classifier", globalThreads: GlobalThreadPools(intraOpThreads: threads, spinWaiting: false))
            environment = created
            return created
        }
    }

    /// A source reading the repository at `repository`.
    public init(repository: URL) {
        self.repository = ModelRepository(url: repository)
    }

    /// Names of the repository's models.
    public func modelNames() throws -> [String] {
        try self.repository.modelNames()
    }

    /// The summary read from `model.json`, or just the name when it is unreadable.
    public func summary(of name: String) -> Model {
        guard let descriptor = try? self.repository.model(named: name) else { return Model(name: name) }
        return Self.summary(descriptor)
    }

    /// Loads the model: metadata, labels, and an ONNX Runtime session run by the process's one
    /// intra-op pool (`inferenceThreads` threads that sleep rather than spin between runs).
    public func load(_ name: String, inferenceThreads: Int?) throws -> any LoadedModel {
        let classifier = try Classifier(
            repository: self.repository, name: name, environment: try Self.environment(threads: inferenceThreads),
            configuration: RuntimeConfiguration(intraOpThreads: inferenceThreads, spinWaiting: false))
        return CoreLoadedModel(classifier: classifier)
    }

    static func summary(_ descriptor: ModelDescriptor) -> Model {
        Model(
            name: descriptor.name, family: descriptor.metadata.family, handle: descriptor.metadata.handle,
            input: Model.Input(height: descriptor.inputHeight, width: descriptor.inputWidth), classes: descriptor.classCount)
    }
}

/// A model loaded through HublotCore: its ``Classifier`` does the decoding, the Colab preprocessing
/// and the batched ONNX Runtime call (with softmax for logits).
struct CoreLoadedModel: LoadedModel {
    let classifier: Classifier

    var summary: Model { CoreModelSource.summary(self.classifier.model) }
    var inputHeight: Int { self.classifier.model.inputHeight }
    var inputWidth: Int { self.classifier.model.inputWidth }
    var classCount: Int { self.classifier.model.classCount }

    func prepare(_ bytes: [UInt8], into row: UnsafeMutableBufferPointer<Float>, options: DecodeOptions) throws(HublotError) -> Timings {
        try self.classifier.prepare(bytes, into: row, options: options)
    }

    func infer(_ input: UnsafeBufferPointer<Float>, count: Int) throws -> [[Float]] {
        try self.classifier.run(input, count: count).probabilities
    }

    func topK(_ probabilities: [Float], k: Int) -> [Prediction] {
        self.classifier.topK(probabilities, k: k)
    }
}
