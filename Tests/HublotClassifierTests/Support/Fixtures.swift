import Foundation
import Testing

/// Where the test fixtures are (see "Tests and the single test command" in docs/architecture.md).
enum Fixtures {
    /// The package root.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static func env(_ name: String, default path: String) -> URL {
        if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { return URL(fileURLWithPath: value) }
        return self.packageRoot.appendingPathComponent(path).standardizedFileURL
    }

    /// `HUBLOT_TEST_MODELS`: a repository holding efficientnet_lite0.
    static let models = env("HUBLOT_TEST_MODELS", default: ".cache/models")
    /// `HUBLOT_TEST_REFERENCE`: reference tensors of the photos.
    static let reference = env("HUBLOT_TEST_REFERENCE", default: ".cache/reference")
    /// `HUBLOT_TEST_PHOTOS`: the real photos (default: the repository's `samples/`).
    static let photos = env("HUBLOT_TEST_PHOTOS", default: "samples")

    /// The photos used by the tests.
    static let photoNames = ["cat", "bus", "banana", "turtle"]

    /// Fails the test, naming the fixture and the command that makes it, unless `url` exists.
    @discardableResult
    static func require(_ url: URL, _ what: String, make: String) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("missing fixture: \(what) at \(url.path); create it with \(make)")
            throw FixtureMissing(what: what)
        }
        return url
    }

    /// The repository holding the default model, checked.
    static func modelRepository() throws -> URL {
        try self.require(
            self.models.appendingPathComponent("efficientnet_lite0/model.json"), "efficientnet_lite0 (HUBLOT_TEST_MODELS)",
            make: "`make test` (prepares .cache/models)")
        return self.models
    }

    /// Bytes of a real photo (`cat`, `bus`, …).
    static func photo(_ stem: String) throws -> [UInt8] {
        let url = try self.require(
            self.photos.appendingPathComponent("\(stem).jpg"), "photo \(stem).jpg (HUBLOT_TEST_PHOTOS)",
            make: "the repository's samples/ (or set HUBLOT_TEST_PHOTOS)")
        return try [UInt8](Data(contentsOf: url))
    }

    /// The reference of the photos: top-5 indices by stem, as computed by the Python ONNX Runtime.
    struct Reference: Decodable {
        struct Image: Decodable {
            let stem: String
            let input: String
            let probabilities: String
            let top5: [Int]
        }
        let height: Int
        let width: Int
        let classes: Int
        let images: [Image]
    }

    /// The parsed `reference.json`.
    static func referenceIndex() throws -> Reference {
        let url = try self.require(
            self.reference.appendingPathComponent("reference.json"), "reference tensors (HUBLOT_TEST_REFERENCE)",
            make: "`make test` (runs hublot-init reference into .cache/reference)")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    /// The expected top-1 index of each photo.
    static func expectedTop1() throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try self.referenceIndex().images.map { ($0.stem, $0.top5[0]) })
    }

    /// A little-endian float32 file of the reference folder.
    static func floats(_ file: String) throws -> [Float] {
        let url = try self.require(self.reference.appendingPathComponent(file), "reference tensor \(file)", make: "`make test`")
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// A repository in a new temporary folder holding a link to the real default model and a broken
    /// model (`broken`: valid `model.json`, garbage `model.onnx`).
    static func repositoryWithBrokenModel() throws -> URL {
        let real = try self.modelRepository().appendingPathComponent("efficientnet_lite0")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hublot-classifier-tests-\(UUID().uuidString)")
        let broken = root.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("efficientnet_lite0"), withDestinationURL: real)
        for file in ["model.json", "labels.txt"] {
            try FileManager.default.copyItem(at: real.appendingPathComponent(file), to: broken.appendingPathComponent(file))
        }
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: broken.appendingPathComponent("model.json"))) as! [String: Any]
        json["name"] = "broken"
        try JSONSerialization.data(withJSONObject: json).write(to: broken.appendingPathComponent("model.json"))
        try Data("this is not an ONNX model".utf8).write(to: broken.appendingPathComponent("model.onnx"))
        return root
    }
}

/// A fixture is missing (the test already recorded which one).
struct FixtureMissing: Error {
    let what: String
}
