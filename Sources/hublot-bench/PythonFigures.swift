import Foundation

/// Runs `bench/core/python_baseline.py` and decodes its JSON output.
struct PythonBaseline {
    /// onnxruntime figures for one round.
    struct Inference: Decodable {
        struct Figures: Decodable {
            let batch1_ms: Double
            let batch8_ms: Double
            let batch32_ms: Double
        }

        let onnxruntime: String
        let inference: Figures
    }

    /// PIL + TF preprocessing figures.
    struct Preprocess: Decodable {
        let tensorflow: String
        let preprocess_ms: [String: Double]
    }

    let python: String
    let script: String
    let size: Int
    let threads: Int
    let iterations: Int

    /// onnxruntime latency and throughput on the tensors in `tensor`.
    func inference(model: String, tensor: String) throws -> Inference {
        try run(["--part", "inference", "--model", model, "--tensor", tensor])
    }

    /// PIL decode + `tf.image.resize_with_pad` per photo.
    func preprocess(photos: [String]) throws -> Preprocess {
        try run(["--part", "preprocess"] + photos)
    }

    private func run<T: Decodable>(_ arguments: [String]) throws -> T {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            script, "--size", String(size), "--threads", String(threads), "--iterations", String(iterations),
        ] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("\(python) \(script) \(arguments.first ?? "") failed with status \(process.terminationStatus)")
        }
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// A benchmark failure.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
