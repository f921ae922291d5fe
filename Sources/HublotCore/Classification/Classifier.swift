import Foundation
import HublotAPI

/// One loaded model: decodes and preprocesses images into batches, runs them, returns top-k classes.
///
/// All stored state is immutable; see ``OrtSession`` for the concurrency of ``run(_:)``.
public final class Classifier: Sendable {
    /// The model this classifier runs.
    public let model: ModelDescriptor
    /// The ONNX Runtime session.
    public let session: OrtSession
    /// The Colab preprocessing for this model's input size.
    public let preprocessor: Preprocessor

    /// Loads `model.onnx` of `model` into a new session.
    ///
    /// Throws ``HublotError/Kind/modelLoadFailed`` (ORT's message and the file) when the ONNX file is
    /// missing or corrupt or its input/output do not match `model.json`.
    public init(model: ModelDescriptor, environment: OrtEnvironment, configuration: RuntimeConfiguration = .init()) throws(HublotError) {
        let session = try OrtSession(environment: environment, modelURL: model.modelURL, configuration: configuration)
        let h = Int64(model.inputHeight), w = Int64(model.inputWidth)
        let input = session.inputShape
        func matches(_ dim: Int64, _ expected: Int64) -> Bool { dim == expected || dim < 0 }
        guard input.count == 4, matches(input[1], h), matches(input[2], w), matches(input[3], 3) else {
            throw HublotError(
                .modelLoadFailed,
                "\(model.modelURL.path): input '\(session.inputName)' has shape \(input), model.json says [N, \(h), \(w), 3]")
        }
        let output = session.outputShape
        guard output.count == 2, matches(output[1], Int64(model.classCount)) else {
            throw HublotError(
                .modelLoadFailed,
                "\(model.modelURL.path): output '\(session.outputName)' has shape \(output), model.json says [N, \(model.classCount)]")
        }
        self.model = model
        self.session = session
        self.preprocessor = Preprocessor(width: model.inputWidth, height: model.inputHeight)
    }

    /// Loads the model called `name` from `repository`.
    public convenience init(
        repository: ModelRepository, name: String, environment: OrtEnvironment, configuration: RuntimeConfiguration = .init()
    ) throws(HublotError) {
        try self.init(model: repository.model(named: name), environment: environment, configuration: configuration)
    }

    /// A zero-filled input batch for `count` images of this model's size.
    public func makeBatch(count: Int) -> ImageBatch {
        ImageBatch(count: count, height: model.inputHeight, width: model.inputWidth)
    }

    /// Runs one batch of zeros, so the first real request does not pay ORT's lazy initialisation.
    public func warmUp(batchSize: Int = 1) throws(HublotError) {
        _ = try run(makeBatch(count: max(1, batchSize)))
    }

    /// Decodes `bytes` and writes the preprocessed image into `output` (one image of a batch).
    ///
    /// Errors: ``HublotError/Kind/emptyImage``, ``HublotError/Kind/unsupportedImageFormat``,
    /// ``HublotError/Kind/invalidImage``, ``HublotError/Kind/tooManyPixels``, ``HublotError/Kind/imageTooSmall``.
    /// The returned timings have no inference time yet.
    public func prepare(
        _ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Float>, options: DecodeOptions = .init()
    ) throws(HublotError) -> Timings {
        let decoder = ImageDecoder(options: options)
        var minimumSize: (width: Int, height: Int)?
        if options.fastJPEGScaling {
            let header = try decoder.header(bytes)
            let geometry = try preprocessor.geometry(forWidth: header.width, height: header.height)
            minimumSize = (geometry.resizedWidth, geometry.resizedHeight)
        }
        let (image, decode) = try Stopwatch.measure { () throws(HublotError) in
            try decoder.decode(bytes, minimumSize: minimumSize)
        }
        let (_, preprocess) = try Stopwatch.measure { () throws(HublotError) in
            try preprocessor.process(image, into: output)
        }
        return Timings(decode: decode, preprocess: preprocess)
    }

    /// Decodes `bytes` into `output` (one image of a batch, e.g. a row of a server's batch buffer).
    public func prepare(
        _ bytes: [UInt8], into output: UnsafeMutableBufferPointer<Float>, options: DecodeOptions = .init()
    ) throws(HublotError) -> Timings {
        try rethrowingHublotError { try bytes.withUnsafeBytes { try prepare($0, into: output, options: options) } }
    }

    /// Decodes `bytes` into image `index` of `batch`.
    public func prepare(
        _ bytes: [UInt8], into batch: inout ImageBatch, at index: Int, options: DecodeOptions = .init()
    ) throws(HublotError) -> Timings {
        try batch.withImage(at: index) { (slot) throws(HublotError) in try prepare(bytes, into: slot, options: options) }
    }

    /// Runs the whole batch in one ONNX Runtime call and returns probabilities per image.
    public func run(_ batch: ImageBatch) throws(HublotError) -> BatchProbabilities {
        guard batch.height == model.inputHeight, batch.width == model.inputWidth else {
            throw HublotError(
                .invalidArgument,
                "the batch is \(batch.width)×\(batch.height), \(model.name) needs \(model.inputWidth)×\(model.inputHeight)")
        }
        return try rethrowingHublotError {
            try batch.values.withUnsafeBufferPointer { try run($0, count: batch.count) }
        }
    }

    /// Runs `count` images of this model's size, read in place from `input` (NHWC float32, exactly
    /// `count` images), in one ONNX Runtime call; returns probabilities per image.
    public func run(_ input: UnsafeBufferPointer<Float>, count: Int) throws(HublotError) -> BatchProbabilities {
        guard count > 0 else { throw HublotError(.invalidArgument, "the batch is empty") }
        let perImage = model.inputHeight * model.inputWidth * 3
        guard input.count == count * perImage else {
            throw HublotError(.invalidArgument, "the input holds \(input.count) floats, \(count) images need \(count * perImage)")
        }
        let shape: [Int64] = [Int64(count), Int64(model.inputHeight), Int64(model.inputWidth), 3]
        let (result, inference) = try Stopwatch.measure { () throws(HublotError) in
            try session.run(input: input, shape: shape)
        }
        let classes = model.classCount
        guard result.values.count == count * classes else {
            throw HublotError(
                .inferenceFailed,
                "\(model.modelURL.path) returned \(result.values.count) values (shape \(result.shape)) for \(count) images of \(classes) classes")
        }
        let probabilities = (0..<count).map { i in
            let row = result.values[(i * classes)..<((i + 1) * classes)]
            return model.outputIsLogits ? Scores.softmax(row) : Array(row)
        }
        return BatchProbabilities(probabilities: probabilities, inference: inference)
    }

    /// The `k` most probable classes with their labels.
    public func topK(_ probabilities: [Float], k: Int) -> [Prediction] {
        Scores.topIndices(probabilities, k: k).map {
            Prediction(index: $0, label: model.classLabels[$0], probability: probabilities[$0])
        }
    }

    /// Classifies several encoded images in one batch. A bad image gets its error in its slot;
    /// the others are still classified. Throws only when inference itself fails.
    public func classify(
        _ images: [[UInt8]], topK k: Int = 5, options: DecodeOptions = .init()
    ) throws(HublotError) -> [Result<Classification, HublotError>] {
        var batch = makeBatch(count: images.count)
        var prepared: [Result<Timings, HublotError>] = []
        var slots: [Int] = []
        for bytes in images {
            do throws(HublotError) {
                prepared.append(.success(try prepare(bytes, into: &batch, at: slots.count, options: options)))
                slots.append(prepared.count - 1)
            } catch {
                prepared.append(.failure(error))
            }
        }
        guard !slots.isEmpty else {
            return prepared.map { $0.map { _ in Classification(model: model.name, predictions: [], timings: .init()) } }
        }
        var used = makeBatch(count: slots.count)
        used.values = Array(batch.values[0..<(slots.count * batch.valuesPerImage)])
        let output = try run(used)
        var results: [Result<Classification, HublotError>] = prepared.map { $0.map { _ in Classification(model: model.name, predictions: [], timings: .init()) } }
        for (position, imageIndex) in slots.enumerated() {
            guard case .success(var timings) = prepared[imageIndex] else { continue }
            timings.inferenceMs = output.inference.milliseconds
            results[imageIndex] = .success(
                Classification(model: model.name, predictions: topK(output.probabilities[position], k: k), timings: timings))
        }
        return results
    }
}

/// Probabilities for every image of a batch, from one ONNX Runtime run.
public struct BatchProbabilities: Sendable {
    /// `probabilities[i]` holds the class probabilities of image `i` (softmax applied when the model gives logits).
    public let probabilities: [[Float]]
    /// Time of the ONNX Runtime run.
    public let inference: Duration
}

/// Measures a closure with the monotonic clock.
enum Stopwatch {
    /// Runs `body`, returning its result and the elapsed time.
    static func measure<R>(_ body: () throws(HublotError) -> R) throws(HublotError) -> (R, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try body()
        return (result, clock.now - start)
    }
}
