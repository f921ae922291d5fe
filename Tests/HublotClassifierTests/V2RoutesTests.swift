import Foundation
import HublotClassifier
import Hummingbird
import HummingbirdTesting
import Testing

/// Open Inference Protocol v2.
@Suite("Open Inference Protocol v2", .timeLimit(.minutes(3)))
struct V2RoutesTests {
    @Test("health, server metadata, model metadata and model readiness")
    func metadata() async throws {
        try await withClassifier { client in
            #expect(try await client.execute(uri: "/v2/health/live", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/v2/health/ready", method: .get)
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body).contains("true"))
            let server = try JSONSerialization.jsonObject(with: Data(buffer: try await client.execute(uri: "/v2", method: .get).body)) as! [String: Any]
            #expect(server["name"] as? String == "hublot-classifier")
            #expect(server["version"] as? String == (try projectVersion()))
            let model = try await client.execute(uri: "/v2/models/efficientnet_lite0", method: .get)
            #expect(model.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: model.body)) as! [String: Any]
            let inputs = json["inputs"] as! [[String: Any]]
            #expect(inputs.first?["shape"] as? [Int] == [-1, 224, 224, 3])
            #expect(inputs.first?["datatype"] as? String == "FP32")
            let outputs = json["outputs"] as! [[String: Any]]
            #expect(outputs.first?["shape"] as? [Int] == [-1, 1000])
            #expect(try await client.execute(uri: "/v2/models/efficientnet_lite0/ready", method: .get).status == .ok)
            // The version model.json gives (hublot-init's counter, or the ONNX hash for older repositories).
            let versions = json["versions"] as? [String] ?? []
            #expect(versions.count == 1)
            let version = versions.first ?? "none"
            #expect(try await client.execute(uri: "/v2/models/efficientnet_lite0/versions/\(version)/ready", method: .get).status == .ok)
            try expectV2Error(try await client.execute(uri: "/v2/models/nope", method: .get), .notFound)
            try expectV2Error(try await client.execute(uri: "/v2/models/nope/ready", method: .get), .notFound)
            try expectV2Error(try await client.execute(uri: "/v2/models/efficientnet_lite0/versions/7", method: .get), .notFound)
        }
    }

    @Test("infer on the reference input tensors returns the reference probabilities (batch of 2, nested and flat data)")
    func infer() async throws {
        let reference = try Fixtures.referenceIndex()
        let images = reference.images.filter { ["cat", "bus"].contains($0.stem) }
        try #require(images.count == 2)
        let inputs = try images.map { try Fixtures.floats($0.input) }
        let expected = try images.map { try Fixtures.floats($0.probabilities) }
        try await withClassifier { client in
            let flat = inputs.flatMap { $0 }
            let body: [String: Any] = [
                "id": "req-1",
                "inputs": [["name": "images", "shape": [2, 224, 224, 3], "datatype": "FP32", "data": flat]],
                "outputs": [["name": "probabilities", "parameters": ["binary_data": false]]],
            ]
            let response = try await client.execute(
                uri: "/v2/models/efficientnet_lite0/infer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
            #expect(response.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
            #expect(json["id"] as? String == "req-1")
            #expect(json["model_name"] as? String == "efficientnet_lite0")
            let output = (json["outputs"] as! [[String: Any]])[0]
            #expect(output["shape"] as? [Int] == [2, 1000])
            let data = (output["data"] as! [NSNumber]).map(\.floatValue)
            let want = expected.flatMap { $0 }
            let maxDiff = zip(data, want).map { abs($0 - $1) }.max() ?? 1
            #expect(maxDiff < 1e-4, "max |Δp| = \(maxDiff)")

            // Nested data, one image.
            let nested: [Any] = [(0..<224).map { y in (0..<224).map { x in Array(inputs[0][((y * 224 + x) * 3)..<((y * 224 + x) * 3 + 3)]) } }]
            let nestedBody: [String: Any] = ["inputs": [["name": "images", "shape": [1, 224, 224, 3], "datatype": "FP32", "data": nested]]]
            let metadata = try JSONSerialization.jsonObject(with: Data(buffer: try await client.execute(uri: "/v2/models/efficientnet_lite0", method: .get).body)) as? [String: Any]
            let version = (metadata?["versions"] as? [String])?.first ?? "none"
            let second = try await client.execute(
                uri: "/v2/models/efficientnet_lite0/versions/\(version)/infer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: nestedBody)))
            #expect(second.status == .ok)
            let secondJSON = try JSONSerialization.jsonObject(with: Data(buffer: second.body)) as! [String: Any]
            #expect(secondJSON["model_version"] as? String == version)
            let row = ((secondJSON["outputs"] as! [[String: Any]])[0]["data"] as! [NSNumber]).map(\.floatValue)
            #expect(zip(row, expected[0]).map { abs($0 - $1) }.max() ?? 1 < 1e-4)
        }
    }

    @Test("malformed inference requests are 400, non-JSON 415, unknown model 404")
    func inferErrors() async throws {
        try await withClassifier { client in
            func post(_ object: Any, model: String = "efficientnet_lite0") async throws -> TestResponse {
                try await client.execute(
                    uri: "/v2/models/\(model)/infer", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: object)))
            }
            let input: (String, [Int], Int) -> [String: Any] = { type, shape, count in
                ["inputs": [["name": "images", "shape": shape, "datatype": type, "data": [Float](repeating: 0, count: count)]]]
            }
            try expectV2Error(try await post(input("FP32", [1, 10, 10, 3], 300)), .badRequest)
            try expectV2Error(try await post(input("INT8", [1, 224, 224, 3], 150_528)), .badRequest)
            try expectV2Error(try await post(input("FP32", [1, 224, 224, 3], 10)), .badRequest)
            try expectV2Error(try await post(["inputs": []]), .badRequest)
            try expectV2Error(try await post(["nothing": true]), .badRequest)
            try expectV2Error(try await post(input("FP32", [1, 224, 224, 3], 150_528), model: "nope"), .notFound)
            let notJSON = try await client.execute(
                uri: "/v2/models/efficientnet_lite0/infer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{not json"))
            try expectV2Error(notJSON, .badRequest)
            let wrongType = try await client.execute(
                uri: "/v2/models/efficientnet_lite0/infer", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "{}"))
            try expectV2Error(wrongType, .unsupportedMediaType)
        }
    }

    @Test("an overflowing batch dimension is 400, not a crash (issue 14)")
    func overflowingShape() async throws {
        try await withClassifier { client in
            let body: [String: Any] = ["inputs": [["name": "images", "shape": [100_000_000_000_000, 224, 224, 3], "datatype": "FP32", "data": [0]]]]
            let response = try await client.execute(
                uri: "/v2/models/efficientnet_lite0/infer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
            try expectV2Error(response, .badRequest)
            let huge: [String: Any] = ["inputs": [["name": "images", "shape": [Int.max, 224, 224, 3], "datatype": "FP32", "data": [0]]]]
            let second = try await client.execute(
                uri: "/v2/models/efficientnet_lite0/infer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: huge)))
            try expectV2Error(second, .badRequest)
        }
    }

    @Test("an unknown input name is 400 naming the model's input")
    func unknownInputName() async throws {
        try await withClassifier { client in
            let body: [String: Any] = ["inputs": [["name": "pixels", "shape": [1, 224, 224, 3], "datatype": "FP32", "data": [Float](repeating: 0, count: 150_528)]]]
            let response = try await client.execute(
                uri: "/v2/models/efficientnet_lite0/infer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
            try expectV2Error(response, .badRequest)
            #expect(String(buffer: response.body).contains("images"))
        }
    }

    @Test("a batch larger than the queue can ever hold is 400 naming the limit, not 503")
    func batchOverCapacity() async throws {
        try await withClassifier(configure: { $0.queueCapacity = 2 }) { client in
            let body: [String: Any] = ["inputs": [["name": "images", "shape": [3, 224, 224, 3], "datatype": "FP32", "data": [Float](repeating: 0, count: 3 * 150_528)]]]
            let response = try await client.execute(
                uri: "/v2/models/efficientnet_lite0/infer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
            try expectV2Error(response, .badRequest)
            #expect(response.headers[.retryAfter] == nil)
            #expect(String(buffer: response.body).contains("2"))
        }
    }
}
