import Foundation
import HublotClassifier
import Hummingbird
import HummingbirdTesting
import Testing

/// Every error a user can hit, with its status and JSON code.
@Suite("errors", .timeLimit(.minutes(3)))
struct ErrorTests {
    @Test("bad top_k is 400 bad_request", arguments: ["0", "-1", "abc", "1.5", "1001", ""])
    func badTopK(_ value: String) async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier { client in
            let response = try await client.execute(
                uri: "/v1/classify?top_k=\(value)", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            try expectError(response, .badRequest, "bad_request")
        }
    }

    @Test("classify with an unknown model is 404 unknown_model")
    func unknownModel() async throws {
        try await withClassifier { client in
            let response = try await client.execute(
                uri: "/v1/models/nope/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(string: "x"))
            try expectError(response, .notFound, "unknown_model")
        }
    }

    @Test("an unknown route is a JSON 404 not_found")
    func unknownRoute() async throws {
        try await withClassifier(waitForReady: false) { client in
            try expectError(try await client.execute(uri: "/nowhere", method: .get), .notFound, "not_found")
        }
    }

    @Test("a body over the limit is 413 payload_too_large, announced or streamed")
    func tooLarge() async throws {
        let turtle = try Fixtures.photo("turtle")
        try await withClassifier(configure: { $0.maxBodyBytes = 100_000 }) { client in
            let streamed = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: turtle))
            try expectError(streamed, .contentTooLarge, "payload_too_large")
            let announced = try await client.execute(
                uri: "/v1/classify", method: .post,
                headers: [.contentType: "image/jpeg", .contentLength: String(turtle.count)], body: ByteBuffer(bytes: turtle))
            try expectError(announced, .contentTooLarge, "payload_too_large")
            let multipartBody = multipart(
                boundary: "b0undary", parts: [(name: "image", filename: "t.jpg", contentType: "image/jpeg", bytes: turtle)])
            let inMultipart = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "multipart/form-data; boundary=b0undary"], body: multipartBody)
            try expectError(inMultipart, .contentTooLarge, "payload_too_large")
        }
    }

    @Test("unsupported media types are 415", arguments: ["text/plain", "image/gif", "application/json", nil])
    func unsupportedMediaType(_ type: String?) async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier { client in
            var headers: HTTPFields = [:]
            if let type { headers[.contentType] = type }
            let response = try await client.execute(uri: "/v1/classify", method: .post, headers: headers, body: ByteBuffer(bytes: cat))
            try expectError(response, .unsupportedMediaType, "unsupported_media_type")
        }
    }

    @Test("a multipart image part of an unsupported type is 415")
    func unsupportedPartType() async throws {
        try await withClassifier { client in
            let body = multipart(boundary: "bb", parts: [(name: "image", filename: "a.gif", contentType: "image/gif", bytes: Array("GIF89a".utf8))])
            let response = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "multipart/form-data; boundary=bb"], body: body)
            try expectError(response, .unsupportedMediaType, "unsupported_media_type")
        }
    }

    @Test("malformed requests are 400: empty body, multipart without image part or boundary, garbage multipart")
    func malformed() async throws {
        try await withClassifier { client in
            let empty = try await client.execute(uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer())
            try expectError(empty, .badRequest, "bad_request")
            let noImage = multipart(boundary: "bb", parts: [(name: "file", filename: "a.jpg", contentType: "image/jpeg", bytes: [1, 2, 3])])
            let missingPart = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "multipart/form-data; boundary=bb"], body: noImage)
            try expectError(missingPart, .badRequest, "bad_request")
            let noBoundary = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "multipart/form-data"], body: noImage)
            try expectError(noBoundary, .badRequest, "bad_request")
            let garbage = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "multipart/form-data; boundary=bb"],
                body: ByteBuffer(string: "this is not multipart at all"))
            try expectError(garbage, .badRequest, "bad_request")
        }
    }

    @Test("corrupt and truncated images are 422 invalid_image")
    func corruptImage() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier { client in
            for bytes in [Array("definitely not a JPEG".utf8), Array(cat.prefix(600)), [0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0]] {
                let response = try await client.execute(
                    uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: bytes))
                try expectError(response, .unprocessableContent, "invalid_image")
            }
        }
    }

    @Test("an image over the pixel limit is 422 too_many_pixels")
    func tooManyPixels() async throws {
        let banana = try Fixtures.photo("banana")
        try await withClassifier(configure: { $0.maxPixels = 1_000_000 }) { client in
            let response = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: banana))
            try expectError(response, .unprocessableContent, "too_many_pixels")
        }
    }

    @Test("a model that failed to load is listed as failed with its reason, answers 503, while the others serve")
    func failedModel() async throws {
        let repository = try Fixtures.repositoryWithBrokenModel()
        defer { try? FileManager.default.removeItem(at: repository) }
        let cat = try Fixtures.photo("cat")
        try await withClassifierAndModels(models: repository) { client, models in
            // The default model is ready; the broken one is loaded in the same pass, wait for its verdict.
            _ = try await models.registry.settledState(of: "broken")
            let response = try await client.execute(uri: "/v1/models/broken", method: .get)
            let broken = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
            #expect(broken["status"] as? String == "failed")
            #expect((broken["reason"] as? String)?.isEmpty == false)
            let refused = try await client.execute(
                uri: "/v1/models/broken/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            try expectError(refused, .serviceUnavailable, "model_not_ready")
            #expect(refused.headers[.retryAfter] != nil)
            let v2 = try await client.execute(uri: "/v2/models/broken/ready", method: .get)
            #expect(v2.status == .serviceUnavailable)
            let served = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            #expect(served.status == .ok)
        }
    }

    @Test("a model still loading is listed as loading and answers 503 model_not_ready; ready flips when it is loaded")
    func loadingModel() async throws {
        let cat = try Fixtures.photo("cat")
        let source = GatedModelSource(CoreModelSource(repository: try Fixtures.modelRepository()))
        try await withClassifierAndModels(source: source, waitForReady: false) { client, models in
            let listed = try await client.execute(uri: "/v1/models/efficientnet_lite0", method: .get)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as! [String: Any]
            #expect(json["status"] as? String == "loading")
            let response = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            try expectError(response, .serviceUnavailable, "model_not_ready")
            #expect(response.headers[.retryAfter] == "1")
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .serviceUnavailable)
            #expect(try await client.execute(uri: "/v2/health/live", method: .get).status == .ok)
            source.open()
            try await waitUntilReady(models.registry)
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .ok)
            let served = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            #expect(served.status == .ok)
        }
    }

    @Test("a default model missing from the repository is reported failed and /v1/classify answers 503")
    func missingDefault() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier(configure: { $0.defaultModel = "absent" }, waitForReady: false) { client in
            let response = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            try expectError(response, .serviceUnavailable, "model_not_ready")
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .serviceUnavailable)
        }
    }
}
