import Foundation
import HublotAPI
import HublotClassifier
import Hummingbird
import HummingbirdTesting
import Testing

/// The live model repository: models added, removed, replaced and failing while the server runs, and
/// the repository API under explicit control. The tests scan the repository themselves (what the poll
/// timer does every interval), so each change is applied at a known point.
@Suite("Live model repository", .timeLimit(.minutes(5)))
struct LiveRepositoryTests {
    static func classify(_ client: any TestClientProtocol, _ model: String, _ cat: [UInt8]) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/models/\(model)/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
    }

    @Test("poll: a model added to the repository is loaded and serves; removed, it is unloaded and unknown")
    func addAndRemove() async throws {
        let repository = try LiveRepository()
        defer { repository.delete() }
        try repository.publish("efficientnet_lite0", version: 1)
        let cat = try Fixtures.photo("cat")
        try await withClassifierAndModels(models: repository.url) { client, models in
            #expect(try await Self.classify(client, "second", cat).status == .notFound)
            try repository.publish("second", version: 1)
            await models.scan(apply: true)
            #expect(try await models.registry.settledState(of: "second")?.isReady == true)
            let served = try await Self.classify(client, "second", cat)
            #expect(served.status == .ok)
            #expect(try Self.json(served)["version"] as? String == "1")
            let listed = try Self.json(try await client.execute(uri: "/v1/models/second", method: .get))
            #expect(listed["status"] as? String == "ready")
            #expect(listed["version"] as? String == "1")

            try repository.remove("second")
            await models.scan(apply: true)  // one scan missing it may be a replacement between its renames
            #expect(try await Self.classify(client, "second", cat).status == .ok)
            await models.scan(apply: true)
            try expectError(try await Self.classify(client, "second", cat), .notFound, "unknown_model")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"hublot_model_loads_total{model="second",outcome="success"} 1"#))
            #expect(metrics.contains(#"hublot_model_unloads_total{model="second"} 1"#))
            #expect(metrics.contains(#"hublot_model_ready{model="second"} 0"#))
        }
    }

    @Test("poll: 200 requests spread over a replacement all succeed, each answered by version 1 or 2, none mixed")
    func replacementUnderLoad() async throws {
        let repository = try LiveRepository()
        defer { repository.delete() }
        try repository.publish("efficientnet_lite0", version: 1)
        let cat = try Fixtures.photo("cat")
        let expected = try Fixtures.expectedTop1()["cat"]
        try await withClassifierAndModels(models: repository.url) { client, models in
            // 200 requests, 16 at a time; the replacement starts once 40 have been answered, and the
            // requests past the 116th are sent only once it is done: both versions answer some.
            let outcomes = try await withThrowingTaskGroup(of: (Int, String?, Int?).self) { group in
                var results: [(Int, String?, Int?)] = []
                var sent = 0
                func send() {
                    group.addTask {
                        let response = try await Self.classify(client, "efficientnet_lite0", cat)
                        let json = try Self.json(response)
                        let top = ((json["predictions"] as? [[String: Any]])?.first?["index"] as? Int)
                        return (Int(response.status.code), json["version"] as? String, top)
                    }
                    sent += 1
                }
                while sent < 16 { send() }
                var replacement: Task<Void, any Error>?
                while let result = try await group.next() {
                    results.append(result)
                    if results.count == 40 {
                        replacement = Task {
                            try repository.publish("efficientnet_lite0", version: 2)
                            await models.scan(apply: true)
                        }
                    }
                    if results.count == 100 { try await replacement?.value }
                    if sent < 200 { send() }
                }
                try await replacement?.value
                return results
            }
            #expect(outcomes.count == 200)
            #expect(outcomes.allSatisfy { $0.0 == 200 }, "statuses: \(Set(outcomes.map(\.0)))")
            #expect(outcomes.allSatisfy { $0.1 == "1" || $0.1 == "2" })
            #expect(outcomes.allSatisfy { $0.2 == expected })
            let versions = Dictionary(grouping: outcomes, by: { $0.1 ?? "none" }).mapValues(\.count)
            print("replacement under load: answers by version \(versions.sorted { $0.key < $1.key })")
            #expect(versions["1"] ?? 0 >= 40)
            #expect(versions["2"] ?? 0 >= 200 - 116, "the requests sent after the replacement are answered by version 2")
            let after = try Self.json(try await Self.classify(client, "efficientnet_lite0", cat))
            #expect(after["version"] as? String == "2")
        }
    }

    @Test("poll: a failed replacement leaves the old version serving and reports why; a fixed one replaces it")
    func failedReplacement() async throws {
        let repository = try LiveRepository()
        defer { repository.delete() }
        try repository.publish("efficientnet_lite0", version: 1)
        let cat = try Fixtures.photo("cat")
        try await withClassifierAndModels(models: repository.url) { client, models in
            try repository.publish("efficientnet_lite0", version: 2, corrupt: true)
            await models.scan(apply: true)
            let listed = try Self.json(try await client.execute(uri: "/v1/models/efficientnet_lite0", method: .get))
            #expect(listed["status"] as? String == "ready")
            #expect(listed["version"] as? String == "1")
            #expect((listed["reason"] as? String)?.isEmpty == false)
            let served = try Self.json(try await Self.classify(client, "efficientnet_lite0", cat))
            #expect(served["version"] as? String == "1")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"hublot_model_loads_total{model="efficientnet_lite0",outcome="failure"} 1"#))

            try repository.publish("efficientnet_lite0", version: 3)
            await models.scan(apply: true)
            let fixed = try Self.json(try await Self.classify(client, "efficientnet_lite0", cat))
            #expect(fixed["version"] as? String == "3")
        }
    }

    @Test("explicit: the index lists the repository; load and unload through /v2 and /v1; poll and none refuse with 409")
    func explicitControl() async throws {
        let repository = try LiveRepository()
        defer { repository.delete() }
        try repository.publish("efficientnet_lite0", version: 1)
        let cat = try Fixtures.photo("cat")
        try await withClassifierAndModels(models: repository.url, configure: { $0.modelControl = .explicit }) { client, models in
            try repository.publish("second", version: 4)
            let index = try await client.execute(uri: "/v2/repository/index", method: .post)
            #expect(index.status == .ok)
            let entries = try JSONSerialization.jsonObject(with: Data(buffer: index.body)) as? [[String: Any]] ?? []
            let states = Dictionary(uniqueKeysWithValues: entries.map { ($0["name"] as? String ?? "", $0["state"] as? String ?? "") })
            #expect(states == ["efficientnet_lite0": "READY", "second": "UNAVAILABLE"])
            // Polling does not happen under explicit control: second waits for its load.
            try expectError(try await Self.classify(client, "second", cat), .serviceUnavailable, "model_not_ready")

            #expect(try await client.execute(uri: "/v2/repository/models/second/load", method: .post).status == .ok)
            let served = try Self.json(try await Self.classify(client, "second", cat))
            #expect(served["version"] as? String == "4")
            let ready = try await client.execute(uri: "/v2/repository/index", method: .post, body: ByteBuffer(string: #"{"ready": true}"#))
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: ready.body)) as? [[String: Any]])?.count == 2)

            let unloaded = try Self.json(try await client.execute(uri: "/v1/models/second/unload", method: .post))
            #expect(unloaded["status"] as? String == "unavailable")
            try expectError(try await Self.classify(client, "second", cat), .serviceUnavailable, "model_not_ready")
            let reloaded = try Self.json(try await client.execute(uri: "/v1/models/second/load", method: .post))
            #expect(reloaded["status"] as? String == "ready")

            try expectError(try await client.execute(uri: "/v1/models/nothing/load", method: .post), .notFound, "unknown_model")
            try expectV2Error(try await client.execute(uri: "/v2/repository/models/nothing/unload", method: .post), .notFound)
            try expectV2Error(
                try await client.execute(
                    uri: "/v2/repository/models/second/load", method: .post, body: ByteBuffer(string: #"{"parameters": {"config": "{}"}}"#)),
                .badRequest)
            _ = models
        }
        for control in [ModelControl.poll, .none] {
            try await withClassifier(models: repository.url, configure: { $0.modelControl = control }) { client in
                try expectError(try await client.execute(uri: "/v1/models/second/load", method: .post), .conflict, "model_control")
                try expectV2Error(try await client.execute(uri: "/v2/repository/models/second/unload", method: .post), .conflict)
            }
        }
    }

    @Test("a load past the memory budget is refused with 422, naming the budget and what is loaded; a corrupt model is 422 too")
    func memoryBudgetAndCorruptLoad() async throws {
        let repository = try LiveRepository()
        defer { repository.delete() }
        try repository.publish("efficientnet_lite0", version: 1)
        try repository.publish("second", version: 1)
        try repository.publish("corrupt", version: 1, corrupt: true)
        // Room for one Lite0 (its ONNX file is about 18 MB, charged ×8), not two.
        try await withClassifierAndModels(
            models: repository.url, configure: { $0.modelControl = .explicit; $0.modelNames = ["efficientnet_lite0"]; $0.maxModelMemory = 200 << 20 }
        ) { client, _ in
            let refused = try await client.execute(uri: "/v1/models/second/load", method: .post)
            try expectError(refused, .unprocessableContent, "model_load_failed")
            let message = String(buffer: refused.body)
            #expect(message.contains("200 MiB") && message.contains("efficientnet_lite0"), "\(message)")
            let corrupt = try await client.execute(uri: "/v2/repository/models/corrupt/load", method: .post)
            try expectV2Error(corrupt, .unprocessableContent)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"hublot_model_loads_total{model="second",outcome="refused"} 1"#))
        }
    }

    @Test("each instance beyond the first is charged one more session against the memory budget")
    func instancesAreCharged() throws {
        let models = try Fixtures.modelRepository()
        func charge(_ instances: Int) throws -> Int {
            let scanned = try CoreModelSource(repository: models, instances: instances).scan()
            return try #require(scanned.first { $0.name == "efficientnet_lite0" }).estimatedBytes
        }
        let one = try charge(1), two = try charge(2)
        #expect(one > 0)
        let onnxBytes = one / CoreModelSource.memoryPerONNXByte
        #expect(two == one + onnxBytes * CoreModelSource.memoryPerInstanceONNXByte)
        #expect(try charge(3) == two + onnxBytes * CoreModelSource.memoryPerInstanceONNXByte)
    }
}
