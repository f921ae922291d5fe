import ArgumentParser
import Dispatch
import Foundation
import HublotAPI
import HublotCore

/// `hublot-bench-pipeline`: the in-process ceiling of bench/run. HublotCore's whole pipeline
/// (decode + preprocess + one ONNX Runtime run per batch + softmax + top-5) on one photo, with no
/// HTTP: each batch's images are decoded in parallel on every core, then run as one batch;
/// `--streams N` runs N such loops at once on the one session (e.g. 2 loops × 1 ORT thread).
/// Prints one JSON object; asserts nothing.
@main
struct PipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hublot-bench-pipeline",
        abstract: "HublotCore decode + preprocess + batched inference throughput on one photo, no HTTP.")

    @Option(help: "Model repository.")
    var models = ".cache/models"

    @Option(help: "Model name.")
    var model = "efficientnet_lite0"

    @Option(help: "The photo to classify, again and again.")
    var photo: String

    @Option(help: "Images per ONNX Runtime call.")
    var batch = 8

    @Option(help: "Measured seconds (after one warm-up batch).")
    var duration = 5.0

    @Option(help: "ONNX Runtime intra-op threads (default: the cores available).")
    var threads: Int?

    @Option(help: "Independent decode-then-infer loops running at once on the same session.")
    var streams = 1

    func run() throws {
        guard let data = FileManager.default.contents(atPath: photo) else { throw ValidationError("cannot read \(photo)") }
        let bytes = [UInt8](data)
        let classifier = try Classifier(
            repository: ModelRepository(url: URL(fileURLWithPath: models)), name: model,
            environment: try OrtEnvironment(), configuration: RuntimeConfiguration(intraOpThreads: threads))
        try classifier.warmUp(batchSize: batch)
        _ = try classifyBatch(classifier, bytes)
        let clock = ContinuousClock()
        let cpuStart = processCPUSeconds()
        let start = clock.now
        let deadline = start + .seconds(duration)
        let tally = Tally()
        let streamCount = max(1, streams)
        DispatchQueue.concurrentPerform(iterations: streamCount) { _ in
            var images = 0
            var label = ""
            do {
                while clock.now < deadline {
                    label = try classifyBatch(classifier, bytes)
                    images += batch
                }
                tally.add(images: images, top1: label)
            } catch {
                tally.fail(error)
            }
        }
        if let error = tally.error { throw error }
        let elapsed = clock.now - start
        let cpu = processCPUSeconds() - cpuStart
        let seconds = elapsed.milliseconds / 1000
        let images = tally.images
        let top1 = tally.top1
        let figures: [String: Any] = [
            "photo": photo, "batch": batch, "streams": streamCount, "images": images, "seconds": seconds,
            "images_per_s": Double(images) / seconds, "top1": top1,
            "cpu_ms_per_image": cpu * 1000 / Double(max(1, images)),
            "onnxruntime": classifier.session.environment.runtimeVersion,
        ]
        let json = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Decodes `batch` copies of the photo in parallel, runs them as one batch, returns the first top-1 label.
    private func classifyBatch(_ classifier: Classifier, _ bytes: [UInt8]) throws -> String {
        var tensor = classifier.makeBatch(count: batch)
        let perImage = tensor.valuesPerImage
        let failures = Failures()
        tensor.values.withUnsafeMutableBufferPointer { all in
            let slots = Slots(base: all.baseAddress!)
            bytes.withUnsafeBytes { raw in
                let input = Input(bytes: raw)
                DispatchQueue.concurrentPerform(iterations: batch) { index in
                    let slot = UnsafeMutableBufferPointer(start: slots.base + index * perImage, count: perImage)
                    do throws(HublotError) { _ = try classifier.prepare(input.bytes, into: slot) } catch { failures.record(error) }
                }
            }
        }
        if let error = failures.first { throw error }
        let output = try classifier.run(tensor)
        return classifier.topK(output.probabilities[0], k: 5).first?.label ?? ""
    }
}

/// CPU time (user + system, every thread) this process has used, in seconds.
private func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The batch tensor's storage, shared by the decoding threads (each writes its own slot).
private struct Slots: @unchecked Sendable { let base: UnsafeMutablePointer<Float> }

/// The encoded photo, read by every decoding thread.
private struct Input: @unchecked Sendable { let bytes: UnsafeRawBufferPointer }

/// Images classified by every stream, the last top-1 label, and the first error.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var label = ""
    private var failure: (any Error)?
    var images: Int { lock.withLock { count } }
    var top1: String { lock.withLock { label } }
    var error: (any Error)? { lock.withLock { failure } }
    func add(images: Int, top1: String) { lock.withLock { count += images; label = top1 } }
    func fail(_ error: any Error) { lock.withLock { if failure == nil { failure = error } } }
}

/// The first decoding error of a batch.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var error: HublotError?
    var first: HublotError? { lock.withLock { error } }
    func record(_ error: HublotError) { lock.withLock { if self.error == nil { self.error = error } } }
}
