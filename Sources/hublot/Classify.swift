import ArgumentParser
import Foundation
import HublotAPI
import HublotCore

/// `hublot classify`: top-k classes of each image, with timings.
struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify images (JPEG, PNG) with a model of the repository.",
        discussion: ExitCodes.helpText)

    @Argument(help: "Image files (JPEG or PNG; the format is read from the content).")
    var images: [String]

    @Option(help: "The model name (a folder of the repository).")
    var model = "efficientnet_lite0"

    @OptionGroup var repositoryOptions: RepositoryOptions

    @Option(help: "How many classes to print per image.")
    var top = 5

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(name: .customLong("fast-jpeg"), help: "Decode large JPEGs at a reduced size in the DCT domain (faster, not bit-exact).")
    var fastJPEG = false

    @Option(name: .customLong("max-pixels"), help: "Refuse images whose header announces more pixels.")
    var maxPixels = DecodeOptions.defaultMaxPixels

    @Option(help: "ONNX Runtime intra-op threads (default: the cores available).")
    var threads: Int?

    func validate() throws {
        guard top > 0 else { throw ValidationError("--top must be at least 1") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let classifier: Classifier
        do {
            let environment = try OrtEnvironment()
            classifier = try Classifier(
                repository: repositoryOptions.repository, name: model, environment: environment,
                configuration: RuntimeConfiguration(intraOpThreads: threads))
        } catch {
            throw ExitCode(report(error))
        }

        var status: Int32 = 0
        var contents: [[UInt8]] = []
        var readable: [String] = []
        for path in images {
            guard let data = FileManager.default.contents(atPath: path) else {
                printToStandardError("hublot: error: \(path): cannot read the file")
                if status == 0 { status = ExitCodes.unreadableFile }
                continue
            }
            contents.append([UInt8](data))
            readable.append(path)
        }
        let options = DecodeOptions(maxPixels: maxPixels, fastJPEGScaling: fastJPEG)
        let results: [Result<Classification, HublotError>]
        do {
            results = contents.isEmpty ? [] : try classifier.classify(contents, topK: top, options: options)
        } catch {
            throw ExitCode(report(error))
        }

        var reports: [[String: Any]] = []
        for (path, result) in zip(readable, results) {
            switch result {
            case .success(let classification):
                if json {
                    reports.append(Self.jsonObject(path: path, classification))
                } else {
                    print(Self.text(path: path, classification))
                }
            case .failure(let error):
                let code = report(error, prefix: path)
                if status == 0 { status = code }
            }
        }
        if json {
            let object: [String: Any] = ["model": model, "results": reports]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        }
        if status != 0 { throw ExitCode(status) }
    }

    private static func text(path: String, _ c: Classification) -> String {
        var lines = [path]
        for p in c.predictions {
            lines.append(String(format: "  %6.2f%%  %4d  %@", Double(p.probability) * 100, p.index, p.label))
        }
        let t = c.timings
        lines.append(String(
            format: "  decode %.1f ms, preprocess %.1f ms, inference %.1f ms (whole batch)",
            t.decodeMs, t.preprocessMs, t.inferenceMs))
        return lines.joined(separator: "\n")
    }

    private static func jsonObject(path: String, _ c: Classification) -> [String: Any] {
        [
            "image": path,
            "predictions": c.predictions.map { ["index": $0.index, "label": $0.label, "probability": Double($0.probability)] },
            "timings": [
                "decode_ms": c.timings.decodeMs, "preprocess_ms": c.timings.preprocessMs,
                "inference_ms": c.timings.inferenceMs,
            ],
        ]
    }
}
