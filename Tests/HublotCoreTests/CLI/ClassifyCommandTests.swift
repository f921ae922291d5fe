import Foundation
import Testing

/// `hublot classify` and `hublot models`, run as a subprocess.
@Suite("hublot CLI", .serialized)
struct ClassifyCommandTests {
    private func models() throws -> String { try Fixtures.defaultModelRepository().url.path }
    private func photo(_ name: String) throws -> String {
        try Fixtures.require(Fixtures.photos.appendingPathComponent(name), "photo \(name)", make: "the repository's samples/ (or set HUBLOT_TEST_PHOTOS)").path
    }

    @Test("the photos get the top-1 classes listed in their README")
    func endToEndTopOne() throws {
        let names = ["cat.jpg", "bus.jpg", "banana.jpg", "turtle.jpg"]
        let output = try CommandRunner.run(["classify"] + names.map(photo) + ["--models", models(), "--json", "--top", "5"])
        #expect(output.status == 0, "\(output.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        let results = try #require(object?["results"] as? [[String: Any]])
        #expect(results.count == 4)
        func indices(_ i: Int) -> [Int] {
            (results[i]["predictions"] as? [[String: Any]] ?? []).compactMap { $0["index"] as? Int }
        }
        #expect([281, 282, 285].contains(indices(0).first ?? -1), "cat: \(indices(0))")
        #expect(indices(1).first == 874, "bus: \(indices(1))")
        #expect(indices(2).first == 954, "banana: \(indices(2))")
        #expect(Set(indices(3).prefix(2)).isSubset(of: [33, 34, 978]) && indices(3).prefix(2).contains(34), "turtle: \(indices(3))")
        let timings = try #require(results[0]["timings"] as? [String: Double])
        #expect(timings["decode_ms"] != nil && timings["preprocess_ms"] != nil && timings["inference_ms"] != nil)
    }

    @Test func textOutputShowsLabelsAndTimings() throws {
        let output = try CommandRunner.run(["classify", try photo("banana.jpg"), "--models", models(), "--top", "2", "--fast-jpeg"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("banana"))
        #expect(output.stdout.contains("decode") && output.stdout.contains("preprocess") && output.stdout.contains("inference"))
    }

    @Test(
        "bad images: message on stderr and a distinct exit status",
        arguments: [
            ("empty.jpg", Int32(21), "empty"),
            ("truncated.jpg", 23, "invalid JPEG"),
            ("truncated.png", 23, "invalid PNG"),
            ("text.jpg", 22, "supported formats: JPEG, PNG"),
            ("image.gif", 22, "GIF"),
            ("huge.png", 24, "megapixels"),
            ("huge.jpg", 24, "megapixels"),
            ("thin.png", 25, "0 pixels"),
        ])
    func badImage(name: String, status: Int32, message: String) throws {
        let output = try CommandRunner.run(["classify", try Fixtures.imagePath(name), "--models", models()])
        #expect(output.status == status, "\(name): \(output.stderr)")
        #expect(output.stderr.contains(message), "\(name): \(output.stderr)")
        #expect(output.stderr.contains(name))
    }

    @Test(
        "unusual but valid images are classified",
        arguments: ["one.png", "one.jpg", "cmyk.jpg", "gray.jpg", "gray.png", "palette.png", "rgba.png", "rgb16.png"])
    func validImage(name: String) throws {
        let output = try CommandRunner.run(["classify", try Fixtures.imagePath(name), "--models", models(), "--top", "1"])
        #expect(output.status == 0, "\(name): \(output.stderr)")
        #expect(output.stdout.contains("%"))
    }

    @Test func pixelLimitOption() throws {
        let output = try CommandRunner.run(["classify", try photo("turtle.jpg"), "--models", models(), "--max-pixels", "1000000"])
        #expect(output.status == 24)
        #expect(output.stderr.contains("2000×1329"))
    }

    @Test func missingImageFile() throws {
        let output = try CommandRunner.run(["classify", "/nonexistent/cat.jpg", "--models", models()])
        #expect(output.status == 20)
        #expect(output.stderr.contains("/nonexistent/cat.jpg"))
    }

    @Test("one bad image among good ones: the good ones are classified, the status is the bad one's")
    func mixed() throws {
        let output = try CommandRunner.run(["classify", try photo("cat.jpg"), try Fixtures.imagePath("text.jpg"), "--models", models()])
        #expect(output.status == 22)
        #expect(output.stdout.contains("tiger cat") || output.stdout.contains("tabby"))
    }

    @Test func unknownModelListsAvailable() throws {
        let output = try CommandRunner.run(["classify", try photo("cat.jpg"), "--models", models(), "--model", "resnet_9000"])
        #expect(output.status == 11)
        #expect(output.stderr.contains("resnet_9000") && output.stderr.contains("efficientnet_lite0"))
    }

    @Test func corruptModel() throws {
        let repository = try Fixtures.tinyRepository().url.path
        let output = try CommandRunner.run(["classify", try photo("cat.jpg"), "--models", repository, "--model", "corrupt"])
        #expect(output.status == 13)
        #expect(output.stderr.contains("corrupt/model.onnx") && output.stderr.contains("ONNX Runtime"))
    }

    @Test func brokenModelJSON() throws {
        let repository = try Fixtures.tinyRepository().url.path
        let output = try CommandRunner.run(["classify", try photo("cat.jpg"), "--models", repository, "--model", "broken-json"])
        #expect(output.status == 12)
        #expect(output.stderr.contains("model.json"))
    }

    @Test func missingRepository() throws {
        let output = try CommandRunner.run(["classify", try photo("cat.jpg"), "--models", "/nonexistent/models"])
        #expect(output.status == 10)
        #expect(output.stderr.contains("/nonexistent/models"))
        let list = try CommandRunner.run(["models", "--models", "/nonexistent/models"])
        #expect(list.status == 10)
    }

    @Test func modelsListsTheRepository() throws {
        let output = try CommandRunner.run(["models", "--models", models()])
        #expect(output.status == 0)
        #expect(output.stdout.contains("efficientnet_lite0") && output.stdout.contains("224x224"))
        let tiny = try CommandRunner.run(["models", "--models", try Fixtures.tinyRepository().url.path, "--json"])
        #expect(tiny.status == 0)
        #expect(tiny.stdout.contains("\"invalid\"") && tiny.stdout.contains("\"tiny\""))
    }

    @Test func helpDocumentsExitCodes() throws {
        let output = try CommandRunner.run(["classify", "--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("Exit status") && output.stdout.contains("24"))
        let usage = try CommandRunner.run(["classify", try photo("cat.jpg"), "--top", "0"])
        #expect(usage.status == 64)
    }
}
