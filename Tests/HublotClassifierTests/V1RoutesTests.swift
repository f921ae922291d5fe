import Foundation
import HublotAPI
import HublotClassifier
import Hummingbird
import HummingbirdTesting
import Testing

/// The Hublot API v1 against the real default model and the real photos.
@Suite("Hublot API v1", .timeLimit(.minutes(3)))
struct V1RoutesTests {
    @Test("GET /v1/models lists the default model, ready, with its metadata")
    func listModels() async throws {
        try await withClassifier { client in
            let response = try await client.execute(uri: "/v1/models", method: .get)
            #expect(response.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
            #expect(json["default"] as? String == "efficientnet_lite0")
            let models = json["models"] as! [[String: Any]]
            let model = try #require(models.first { $0["name"] as? String == "efficientnet_lite0" })
            #expect(model["status"] as? String == "ready")
            #expect(model["classes"] as? Int == 1000)
            #expect((model["input"] as? [String: Int]) == ["height": 224, "width": 224])
            #expect(model["family"] as? String == "efficientnet")
            #expect(model["handle"] is String)
            #expect(model["reason"] == nil)
        }
    }

    @Test("GET /v1/models/{name} answers one model; an unknown name is 404 naming the available ones")
    func oneModel() async throws {
        try await withClassifier { client in
            let response = try await client.execute(uri: "/v1/models/efficientnet_lite0", method: .get)
            #expect(response.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
            #expect(json["name"] as? String == "efficientnet_lite0")
            #expect(json["status"] as? String == "ready")

            let missing = try await client.execute(uri: "/v1/models/nope", method: .get)
            try expectError(missing, .notFound, "unknown_model")
            #expect(try decode(ErrorBody.self, missing).error.message.contains("efficientnet_lite0"))
        }
    }

    @Test("every photo, sent raw, gets its reference top-1; timings and top_k are honoured")
    func classifyRaw() async throws {
        let expected = try Fixtures.expectedTop1()
        let photos = try Fixtures.photoNames.map { ($0, try Fixtures.photo($0)) }
        try await withClassifier { client in
            for (stem, bytes) in photos {
                let response = try await client.execute(
                    uri: "/v1/models/efficientnet_lite0/classify?top_k=3", method: .post,
                    headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: bytes))
                #expect(response.status == .ok, "\(stem)")
                let body = try decode(Classification.self, response)
                #expect(body.model == "efficientnet_lite0")
                #expect(body.predictions.count == 3)
                #expect(body.predictions.first?.index == expected[stem], "\(stem): \(body.predictions)")
                #expect(body.predictions.map(\.probability) == body.predictions.map(\.probability).sorted(by: >))
                #expect(body.timings.totalMs >= body.timings.inferenceMs)
                #expect(body.timings.decodeMs > 0 && body.timings.inferenceMs > 0)
            }
        }
    }

    @Test("the cat is a cat: tabby, tiger cat or Egyptian cat, on /v1/classify (default model, default top_k 5)")
    func classifyDefault() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier { client in
            let response = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            #expect(response.status == .ok)
            let body = try decode(Classification.self, response)
            #expect(body.predictions.count == 5)
            #expect(["tabby", "tiger cat", "Egyptian cat"].contains(body.predictions[0].label))
            #expect(Set(body.predictions.prefix(3).map(\.index)) == [281, 282, 285])
        }
    }

    @Test("a multipart/form-data upload with an image part (and other parts) is classified")
    func classifyMultipart() async throws {
        let bus = try Fixtures.photo("bus")
        let expected = try Fixtures.expectedTop1()
        try await withClassifier { client in
            let body = multipart(
                boundary: "XyZ123",
                parts: [
                    (name: "note", filename: nil, contentType: nil, bytes: Array("hello".utf8)),
                    (name: "image", filename: "bus.jpg", contentType: "image/jpeg", bytes: bus),
                ])
            let response = try await client.execute(
                uri: "/v1/classify?top_k=1", method: .post,
                headers: [.contentType: "multipart/form-data; boundary=XyZ123"], body: body)
            #expect(response.status == .ok)
            let result = try decode(Classification.self, response)
            #expect(result.predictions.map(\.index) == [expected["bus"]!])
        }
    }

    @Test("the OpenAPI document is served at /openapi.json")
    func openAPI() async throws {
        try await withClassifier(waitForReady: false) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
            #expect(json["openapi"] as? String == "3.1.0")
            let paths = try #require(json["paths"] as? [String: Any])
            for path in ["/v1/models", "/v1/models/{name}", "/v1/models/{name}/classify", "/v1/classify"] {
                #expect(paths[path] != nil, "\(path) is documented")
            }
        }
    }
}
