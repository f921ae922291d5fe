import Foundation
import Testing

/// Where the tests find the model repository, the photos and the classifier binary.
enum Fixtures {
    /// The package root, found from this file's path.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `HUBLOT_TEST_MODELS`, default `<root>/.cache/models`.
    static var models: URL {
        environment("HUBLOT_TEST_MODELS").map { URL(fileURLWithPath: $0) } ?? packageRoot.appendingPathComponent(".cache/models")
    }

    /// `HUBLOT_TEST_PHOTOS`, default `<root>/samples`.
    static var photos: URL {
        environment("HUBLOT_TEST_PHOTOS").map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent("samples")
    }

    /// `HUBLOT_CLASSIFIER_BIN`, default `<root>/.build/debug/hublot-classifier`.
    static var classifierBinary: URL {
        environment("HUBLOT_CLASSIFIER_BIN").map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent(".build/debug/hublot-classifier")
    }

    /// The bytes of a test photo.
    static func photo(_ name: String) throws -> Data {
        let url = photos.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FixtureError("test photo \(url.path) is missing: set HUBLOT_TEST_PHOTOS or restore the repository's samples/")
        }
        return try Data(contentsOf: url)
    }

    /// A temporary model repository holding `efficientnet_lite0` twice, as `efficientnet_lite0` and `efficientnet_lite0_twin`
    /// (files symlinked, `name` rewritten in the twin's model.json), for the compare page.
    static func twinRepository() throws -> URL {
        let source = models.appendingPathComponent("efficientnet_lite0")
        guard FileManager.default.fileExists(atPath: source.appendingPathComponent("model.json").path) else {
            throw FixtureError("\(source.path)/model.json is missing: run `make models` (or set HUBLOT_TEST_MODELS)")
        }
        let repository = FileManager.default.temporaryDirectory.appendingPathComponent("hublot-front-tests-\(UUID().uuidString)")
        for name in ["efficientnet_lite0", "efficientnet_lite0_twin"] {
            let folder = repository.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in try FileManager.default.contentsOfDirectory(atPath: source.path) where file != "model.json" {
                try FileManager.default.createSymbolicLink(
                    at: folder.appendingPathComponent(file), withDestinationURL: source.appendingPathComponent(file))
            }
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("model.json"))) as? [String: Any] ?? [:]
            json["name"] = name
            try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("model.json"))
        }
        return repository
    }

    private static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A missing fixture, with what to do about it.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
