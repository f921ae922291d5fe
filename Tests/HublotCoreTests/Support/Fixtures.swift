import Foundation
import HublotCore
import Testing

/// Where the test fixtures are, and the generated ones (tiny models, bad images, TF references).
enum Fixtures {
    /// The package root (two levels above this file's folder).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static func env(_ name: String, default path: String) -> URL {
        if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty {
            return URL(fileURLWithPath: value)
        }
        return packageRoot.appendingPathComponent(path).standardizedFileURL
    }

    /// `HUBLOT_TEST_MODELS`: a repository holding efficientnet_lite0.
    static let models = env("HUBLOT_TEST_MODELS", default: ".cache/models")
    /// `HUBLOT_TEST_REFERENCE`: reference tensors of the photos.
    static let reference = env("HUBLOT_TEST_REFERENCE", default: ".cache/reference")
    /// `HUBLOT_TEST_PHOTOS`: the real photos (default: the repository's `samples/`).
    static let photos = env("HUBLOT_TEST_PHOTOS", default: "samples")

    /// Fails the test (naming the fixture and how to make it) unless `url` exists.
    static func require(_ url: URL, _ what: String, make: String) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("missing fixture: \(what) at \(url.path) — create it with \(make)")
            throw FixtureMissing()
        }
        return url
    }

    /// The repository holding the embedded default model.
    static func defaultModelRepository() throws -> ModelRepository {
        _ = try require(models.appendingPathComponent("efficientnet_lite0/model.json"), "efficientnet_lite0 (HUBLOT_TEST_MODELS)", make: "`make test` (prepares .cache/models)")
        return ModelRepository(url: models)
    }

    /// Bytes of one real photo.
    static func photo(_ name: String) throws -> [UInt8] {
        let url = try require(photos.appendingPathComponent(name), "photo \(name) (HUBLOT_TEST_PHOTOS)", make: "the repository's samples/ (or set HUBLOT_TEST_PHOTOS)")
        return try [UInt8](Data(contentsOf: url))
    }

    /// The folder of generated fixtures (created once per test process).
    static func generated() throws -> URL {
        switch generatedResult {
        case .success(let url): return url
        case .failure(let error):
            Issue.record("generated fixtures unavailable: \(error.message)")
            throw FixtureMissing()
        }
    }

    /// A generated image's bytes.
    static func image(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: generated().appendingPathComponent("images/\(name)")))
    }

    /// A generated image's path.
    static func imagePath(_ name: String) throws -> String {
        try generated().appendingPathComponent("images/\(name)").path
    }

    /// The repository of generated tiny/corrupt models.
    static func tinyRepository() throws -> ModelRepository {
        try ModelRepository(url: generated().appendingPathComponent("models"))
    }

    /// One shared ORT environment for all tests.
    static let environment: OrtEnvironment = {
        do { return try OrtEnvironment() } catch { fatalError("ONNX Runtime unusable: \(error)") }
    }()

    /// The default model, loaded once.
    static func defaultClassifier() throws -> Classifier {
        _ = try defaultModelRepository()
        return try sharedClassifier.get()
    }

    private static let sharedClassifier: Result<Classifier, HublotError> = Result { () throws(HublotError) in
        try Classifier(repository: ModelRepository(url: models), name: "efficientnet_lite0", environment: environment)
    }

    private static let generatedResult: Result<URL, HublotError> = {
        let python = ProcessInfo.processInfo.environment["HUBLOT_PYTHON"]
            ?? packageRoot.appendingPathComponent(".venv/bin/python").path
        let script = packageRoot.appendingPathComponent("Tests/Fixtures/make_core_fixtures.py").path
        let cat = photos.appendingPathComponent("cat.jpg").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return .failure(HublotError(.invalidArgument, "no Python at \(python) (run `make test`, which creates .venv, or set HUBLOT_PYTHON)"))
        }
        let temporary = FileManager.default.temporaryDirectory
        // Remove folders left by earlier test processes that are gone.
        for stale in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        where stale.hasPrefix("hublot-core-fixtures-") {
            if let pid = Int32(stale.dropFirst("hublot-core-fixtures-".count)), kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(at: temporary.appendingPathComponent(stale))
            }
        }
        let out = temporary.appendingPathComponent("hublot-core-fixtures-\(getpid())")
        try? FileManager.default.removeItem(at: out)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, out.path, cat]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch {
            return .failure(HublotError(.invalidArgument, "cannot run \(python): \(error)"))
        }
        let stderrData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let tail = String(decoding: stderrData.suffix(2000), as: UTF8.self)
            return .failure(HublotError(.invalidArgument, "\(script) failed (\(process.terminationStatus)): \(tail)"))
        }
        return .success(out)
    }()
}

/// Thrown after recording a missing-fixture issue, to stop the test.
struct FixtureMissing: Error {}

/// Reads a little-endian float32 file.
func readFloats(_ url: URL) throws -> [Float] {
    let data = try Data(contentsOf: url)
    return data.withUnsafeBytes { raw in
        (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
    }
}

/// The largest absolute difference between two equally long arrays.
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Decodes and preprocesses an image for a model input size.
func preprocess(_ bytes: [UInt8], width: Int, height: Int, options: DecodeOptions = .init()) throws -> [Float] {
    let image = try ImageDecoder(options: options).decode(bytes)
    return try Preprocessor(width: width, height: height).process(image)
}

/// The ``HublotError`` `body` throws, or nil (recording an issue for any other error).
func hublotError(_ body: () throws -> Void) -> HublotError? {
    do {
        try body()
        return nil
    } catch let error as HublotError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
