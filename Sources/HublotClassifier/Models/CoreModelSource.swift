import Foundation
import HublotAPI
import HublotCore
import Synchronization

/// The real ``ModelSource``: HublotCore's model repository, ONNX Runtime sessions, image decoding and
/// the Colab's preprocessing.
public struct CoreModelSource: ModelSource {
    /// The repository folder.
    public let repository: ModelRepository
    /// The CPU the models run on (whether int8 models run well on it).
    public let cpu: CPUFeatures
    /// Sessions loaded per model (``ClassifierConfiguration/instances``): decides the thread pools.
    public let instances: Int

    /// The ONNX Runtime environment, one per process, created by the first load. With one instance per
    /// model, its global thread pool (sized by that load's `inferenceThreads`, threads that sleep rather than
    /// spin, since the decoders and the event loops share the cores) runs every model's session. With more,
    /// it has no global pool: each session gets its own pool of `inferenceThreads`, so that two batches run
    /// side by side instead of sharing one pool's threads.
    private static let environment = Mutex<OrtEnvironment?>(nil)

    static func environment(threads: Int?, sharedPool: Bool) throws(HublotError) -> OrtEnvironment {
        try Self.environment.withLock { environment throws(HublotError) in
            if let environment { return environment }
            let created = try OrtEnvironment(
                logIdentifier: "hublot-classifier",
                globalThreads: sharedPool ? GlobalThreadPools(intraOpThreads: threads, spinWaiting: false) : nil)
            environment = created
            return created
        }
    }

    /// A source reading the repository at `repository`, for models run on `cpu` (this machine's by default)
    /// in `instances` sessions each.
    public init(repository: URL, cpu: CPUFeatures = .current, instances: Int = 1) {
        self.repository = ModelRepository(url: repository)
        self.cpu = cpu
        self.instances = max(1, instances)
    }

    /// The warning an int8 model gets on a CPU without an int8 dot-product instruction.
    public static let int8WithoutDotProduct =
        "this CPU has no int8 dot-product instruction (AVX-512 VNNI, AVX-VNNI or Arm's dot product): "
        + "this int8 model may be slower than its fp32 model, and less accurate"

    /// What loading a model is charged against `--max-model-memory`: its ONNX file's size times this
    /// (the session's weights, ONNX Runtime's optimised graph and arena, the batch buffers; measured
    /// for EfficientNet-Lite0: 142 MiB of RSS for an 18 MB file; see docs/operations.md).
    public static let memoryPerONNXByte = 8

    /// What each instance beyond the first adds to that charge, per byte of the ONNX file: one more session
    /// (its weights, optimised graph and arena; the batch buffers are shared). Measured for EfficientNet-Lite0
    /// with `--instances 2`: +109 MiB of RSS once ready, +125 MiB under load, for an 18.6 MB file.
    public static let memoryPerInstanceONNXByte = 7

    /// The charge of a model whose ONNX file holds `onnxBytes`, loaded in `instances` sessions.
    public static func estimatedBytes(onnxBytes: Int, instances: Int) -> Int {
        onnxBytes * (Self.memoryPerONNXByte + (max(1, instances) - 1) * Self.memoryPerInstanceONNXByte)
    }

    /// Every model folder of the repository: its version and summary from `model.json`, or the problem
    /// that keeps it from loading (its version then changes with the file's modification time, so a
    /// fixed folder is noticed).
    public func scan() throws -> [ModelCandidate] {
        try self.repository.modelNames().map { name in
            let directory = self.repository.url.appendingPathComponent(name)
            do {
                let descriptor = try ModelDescriptor(directory: directory)
                let onnxBytes = descriptor.metadata.onnx.bytes ?? Self.fileSize(descriptor.modelURL)
                return ModelCandidate(
                    name: name, version: ModelVersion(metadata: descriptor.metadata), summary: Self.summary(descriptor, cpu: self.cpu),
                    estimatedBytes: Self.estimatedBytes(onnxBytes: onnxBytes, instances: self.instances))
            } catch {
                let message = (error as? HublotError)?.message ?? String(describing: error)
                let modified = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("model.json").path))?[.modificationDate]
                return ModelCandidate(
                    name: name, version: ModelVersion(label: "invalid", identity: "invalid/\(String(describing: modified))/\(message)"),
                    summary: Model(name: name), problem: message)
            }
        }
    }

    private static func fileSize(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Loads the model: metadata, labels, and an ONNX Runtime session run by the process's one intra-op
    /// pool, or by its own with several instances (`inferenceThreads` threads that sleep rather than spin
    /// between runs).
    public func load(_ name: String, inferenceThreads: Int?) throws -> any LoadedModel {
        let environment = try Self.environment(threads: inferenceThreads, sharedPool: self.instances == 1)
        let classifier = try Classifier(
            repository: self.repository, name: name, environment: environment,
            configuration: RuntimeConfiguration(intraOpThreads: inferenceThreads, spinWaiting: false))
        return CoreLoadedModel(classifier: classifier, summary: Self.summary(classifier.model, cpu: self.cpu))
    }

    /// A model's description from its `model.json`, with the int8 warning when `cpu` calls for it.
    static func summary(_ descriptor: ModelDescriptor, cpu: CPUFeatures) -> Model {
        let metadata = descriptor.metadata
        return Model(
            name: descriptor.name, family: metadata.family, handle: metadata.handle,
            input: Model.Input(height: descriptor.inputHeight, width: descriptor.inputWidth), classes: descriptor.classCount,
            precision: metadata.precision, sourceModel: metadata.sourceModel,
            warning: metadata.precision == "int8" && !cpu.hasInt8DotProduct ? Self.int8WithoutDotProduct : nil)
    }
}

/// A model loaded through HublotCore: its ``Classifier`` does the decoding, the Colab preprocessing
/// and the batched ONNX Runtime call (with softmax for logits).
struct CoreLoadedModel: LoadedModel {
    let classifier: Classifier
    let summary: Model

    var version: ModelVersion { ModelVersion(metadata: self.classifier.model.metadata) }
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
