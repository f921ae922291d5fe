import Foundation
import HublotAPI
import HublotClassifier
import HublotCore
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// `POST /v1/models/{name}/explain` against the real default model and the real photos.
@Suite("explain", .timeLimit(.minutes(5)))
struct ExplainRoutesTests {
    static let path = "/v1/models/efficientnet_lite0/explain"

    /// Where the object is in each sample photo, in fractions of its width and height (x0, y0, x1, y1),
    /// read off the photos: the cat sitting, the bus, the turtle in front, the bunch of bananas.
    static let objects: [String: (Double, Double, Double, Double)] = [
        "cat": (0.2, 0.1, 0.92, 0.95),
        "bus": (0.08, 0.08, 0.88, 0.85),
        "turtle": (0.43, 0.4, 0.95, 0.85),
        "banana": (0.05, 0.12, 0.95, 0.92),
    ]

    func explain(_ client: any TestClientProtocol, _ bytes: [UInt8], query: String = "", type: String = "image/jpeg") async throws -> TestResponse {
        try await client.execute(uri: Self.path + query, method: .post, headers: [.contentType: type], body: ByteBuffer(bytes: bytes))
    }

    @Test("on each sample photo the strongest cell of the top-1's map lies on the object; the answer holds the photo's top-k and grid² + 1 images")
    func strongestCellOnTheObject() async throws {
        let expected = try Fixtures.expectedTop1()
        let photos = try Fixtures.photoNames.map { ($0, try Fixtures.photo($0)) }
        try await withClassifier { client in
            for (stem, bytes) in photos {
                let response = try await explain(client, bytes)
                #expect(response.status == .ok, "\(stem)")
                let body = try decode(Explanation.self, response)
                #expect(body.model == "efficientnet_lite0" && body.version != nil)
                #expect(body.grid == 7 && body.images == 50)
                #expect(body.predictions.count == 5 && body.predictions.first?.index == expected[stem], "\(stem)")
                let map = try #require(body.maps.first)
                #expect(body.maps.count == 1 && map.index == expected[stem] && map.label == body.predictions[0].label)
                #expect(map.probability == body.predictions[0].probability)
                #expect(map.drops.count == 7 && map.drops.allSatisfy { $0.count == 7 })
                let (row, column) = Self.strongest(map.drops)
                let (x, y) = ((Double(column) + 0.5) / 7, (Double(row) + 0.5) / 7)
                let box = Self.objects[stem]!
                #expect(
                    x >= box.0 && x <= box.2 && y >= box.1 && y <= box.3,
                    "\(stem): strongest cell (row \(row), column \(column)) is off the object: \(map.drops)")
                #expect(body.timings.inferenceMs > 0 && body.timings.totalMs >= body.timings.inferenceMs)
            }
        }
    }

    @Test("a uniform photo gives a flat map: every variant is the photo itself")
    func uniformPhotoIsFlat() async throws {
        let png = UniformPNG.make(width: 96, height: 64, rgb: (90, 140, 60))
        try await withClassifier { client in
            let response = try await explain(client, png, query: "?grid=5", type: "image/png")
            #expect(response.status == .ok)
            let body = try decode(Explanation.self, response)
            #expect(body.images == 26)
            let largest = body.maps[0].drops.flatMap { $0 }.map(abs).max() ?? 1
            #expect(largest < 1e-5, "drops of a uniform photo: \(body.maps[0].drops)")
        }
    }

    @Test("the same photo gives the same maps; class= maps the classes asked, in order, from the same runs")
    func deterministicAndClassesAsked() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier { client in
            let first = try decode(Explanation.self, try await explain(client, cat, query: "?grid=4&class=285&class=281,282"))
            let second = try decode(Explanation.self, try await explain(client, cat, query: "?grid=4&class=285,281&class=282"))
            #expect(first.maps == second.maps)
            #expect(first.maps.map(\.index) == [285, 281, 282])
            #expect(first.images == 17 && first.maps.allSatisfy { $0.drops.count == 4 })
            let top1 = try decode(Explanation.self, try await explain(client, cat, query: "?grid=4"))
            #expect(top1.maps.count == 1)
            #expect(first.maps.first { $0.index == top1.maps[0].index } == top1.maps[0])
        }
    }

    @Test("bad grid, class or top_k is 400; a class the model lacks is 400; unknown model 404; bad uploads as for classify")
    func errors() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier(configure: { $0.maxBodyBytes = 200_000 }) { client in
            for query in ["?grid=1", "?grid=15", "?grid=x", "?grid=3&grid=4", "?class=-1", "?class=a", "?class=1,2,3,4,5,6", "?top_k=0"] {
                try expectError(try await explain(client, cat, query: query), .badRequest, "bad_request")
            }
            let missing = try await explain(client, cat, query: "?class=1000")
            try expectError(missing, .badRequest, "bad_request")
            #expect(try decode(ErrorBody.self, missing).error.message.contains("0 to 999"))
            let unknown = try await client.execute(
                uri: "/v1/models/nope/explain", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            try expectError(unknown, .notFound, "unknown_model")
            try expectError(try await explain(client, Array("not an image".utf8)), .unprocessableContent, "invalid_image")
            try expectError(try await explain(client, cat, type: "text/plain"), .unsupportedMediaType, "unsupported_media_type")
            try expectError(try await explain(client, []), .badRequest, "bad_request")
            try expectError(try await explain(client, [UInt8](repeating: 0xFF, count: 300_000)), .contentTooLarge, "payload_too_large")
            let get = try await client.execute(uri: Self.path, method: .get)
            #expect(get.status == .methodNotAllowed)
        }
    }

    @Test("while a model loads its explanations are 503 model_not_ready")
    func notReady() async throws {
        let gated = GatedModelSource(CoreModelSource(repository: try Fixtures.modelRepository()))
        try await withClassifier(source: gated, waitForReady: false) { client in
            let response = try await explain(client, try Fixtures.photo("cat"))
            try expectError(response, .serviceUnavailable, "model_not_ready")
            gated.open()
        }
    }

    @Test("past --max-explanations one more is refused at once with 503 overloaded and Retry-After, and counted apart from classifications")
    func shareFullIsRefused() async throws {
        let held = HeldInferenceSource(CoreModelSource(repository: try Fixtures.modelRepository()))
        let cat = try Fixtures.photo("cat")
        let registry = PrometheusCollectorRegistry()
        try await withClassifier(source: held, configure: { $0.maxExplanations = 1 }, registry: registry) { client in
            // The first explanation's first batch is held inside ONNX Runtime: it holds the one place.
            let first = Task { try await explain(client, cat, query: "?grid=2") }
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    _ = held.entered.wait(timeout: .now() + 60)
                    continuation.resume()
                }
            }
            let refused = try await explain(client, cat, query: "?grid=2")
            try expectError(refused, .serviceUnavailable, "overloaded")
            #expect(refused.headers[.retryAfter] == "1")
            held.open()
            #expect(try await first.value.status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let text = String(buffer: metrics.body)
            #expect(text.contains(#"hublot_explain_rejections_total{model="efficientnet_lite0"} 1"#))
            #expect(text.contains(#"hublot_explain_requests_total{model="efficientnet_lite0",status="200"} 1"#))
            #expect(text.contains(#"hublot_explain_images_total{model="efficientnet_lite0"} 5"#))
            // What classifications wait is not blurred by the explanations' low-priority waits.
            #expect(!text.contains("hublot_queue_wait_seconds_count"))
        }
    }

    @Test("with --max-explanations 0 explanations are disabled: 503 saying so")
    func disabled() async throws {
        try await withClassifier(configure: { $0.maxExplanations = 0 }) { client in
            let response = try await explain(client, try Fixtures.photo("cat"))
            try expectError(response, .serviceUnavailable, "overloaded")
            #expect(try decode(ErrorBody.self, response).error.message.contains("disabled"))
        }
    }

    /// The (row, column) of the largest drop.
    static func strongest(_ drops: [[Float]]) -> (Int, Int) {
        var best = (0, 0)
        for (r, row) in drops.enumerated() {
            for (c, drop) in row.enumerated() where drop > drops[best.0][best.1] { best = (r, c) }
        }
        return best
    }
}
