import ArgumentParser
import Foundation
import HublotCore

/// `hublot-bench`: HublotCore's decode, preprocessing and inference speed, beside Python
/// onnxruntime and PIL + TF in the same run. Prints figures; asserts nothing.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hublot-bench",
        abstract: "Benchmark HublotCore against Python onnxruntime and PIL + tf.image.resize_with_pad.",
        discussion: "Inference is measured in alternating rounds (Swift, Python, Swift, …) so that load from other processes hits both sides alike; the table shows the median over rounds.")

    @Option(help: "Model repository.")
    var models = ".cache/models"

    @Option(help: "Model name.")
    var model = "efficientnet_lite0"

    @Option(help: "Folder of the photos.")
    var photos = "samples"

    @Option(help: "Intra-op threads for both runtimes (default: the cores available).")
    var threads: Int?

    @Option(help: "Timed repetitions per figure.")
    var iterations = 20

    @Option(help: "Alternating Swift/Python inference rounds.")
    var rounds = 3

    @Option(help: "Python with onnxruntime, tensorflow and pillow.")
    var python = ".venv/bin/python"

    @Option(help: "The Python side of the benchmark.")
    var baseline = "bench/core/python_baseline.py"

    @Flag(help: "Skip the Python comparison.")
    var swiftOnly = false

    func run() throws {
        let configuration = RuntimeConfiguration(intraOpThreads: threads)
        let environment = try OrtEnvironment()
        let classifier = try Classifier(
            repository: ModelRepository(url: URL(fileURLWithPath: models)), name: model,
            environment: environment, configuration: configuration)
        try classifier.warmUp()
        let names = ["cat.jpg", "bus.jpg", "banana.jpg", "turtle.jpg"]
        let paths = names.map { URL(fileURLWithPath: photos).appendingPathComponent($0).path }
        let images = try paths.map { path -> [UInt8] in
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            return [UInt8](data)
        }
        print("HublotCore benchmark: \(model), ONNX Runtime \(environment.runtimeVersion) (C API, Swift), \(configuration.intraOpThreads) intra-op threads, medians of \(iterations) runs")

        let swift = SwiftBench(classifier: classifier, iterations: iterations)
        let (photoFigures, batch) = try swift.photos(names: names, images: images)
        var report = Report(names: names, photos: photoFigures)
        if swiftOnly {
            report.swiftInference = [try swift.inference(batch)]
        } else {
            let tensorURL = FileManager.default.temporaryDirectory.appendingPathComponent("hublot-bench-\(getpid()).f32")
            defer { try? FileManager.default.removeItem(at: tensorURL) }
            try batch.values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: tensorURL) }
            let python = PythonBaseline(
                python: python, script: baseline, size: classifier.model.inputHeight,
                threads: configuration.intraOpThreads, iterations: iterations)
            let preprocess = try python.preprocess(photos: paths)
            report.pythonPreprocess = preprocess.preprocess_ms
            report.versions = "Python side: onnxruntime %@, tensorflow \(preprocess.tensorflow), PIL; \(configuration.intraOpThreads) threads"
            for _ in 0..<max(1, rounds) {
                report.swiftInference.append(try swift.inference(batch))
                let result = try python.inference(model: classifier.model.modelURL.path, tensor: tensorURL.path)
                report.versions = report.versions.replacingOccurrences(of: "%@", with: result.onnxruntime)
                report.pythonInference.append(
                    InferenceFigures(
                        batch1Ms: result.inference.batch1_ms, batch8Ms: result.inference.batch8_ms,
                        batch32Ms: result.inference.batch32_ms))
            }
        }
        report.print()
    }
}
