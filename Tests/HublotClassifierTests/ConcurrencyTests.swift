import Foundation
import HublotAPI
import HublotClassifier
import HublotHTTP
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// Many requests at once: batching, no mix-ups, load shedding.
@Suite("concurrency", .serialized, .timeLimit(.minutes(5)))
struct ConcurrencyTests {
    /// What one request of the burst sent and what it must get.
    enum Expectation: Sendable {
        case top1(Int, stem: String)
        case error(HTTPResponse.Status, String)
    }

    @Test("200 concurrent mixed requests: each good photo its top-1, each bad upload its error; batches > 1")
    func mixedBurst() async throws {
        let expected = try Fixtures.expectedTop1()
        let photos = try Dictionary(uniqueKeysWithValues: Fixtures.photoNames.map { ($0, try Fixtures.photo($0)) })
        // Its own registry: no other suite's batches count here.
        try await withClassifier(configure: { $0.queueCapacity = 512 }, registry: PrometheusCollectorRegistry()) { client in
            let outcomes = try await withThrowingTaskGroup(of: (Int, Expectation, TestResponse).self) { group in
                for i in 0..<200 {
                    group.addTask {
                        let (expectation, headers, body, path): (Expectation, HTTPFields, ByteBuffer, String)
                        switch i % 10 {
                        case 7:
                            (expectation, headers, body, path) = (
                                .error(.unprocessableContent, "invalid_image"), [.contentType: "image/jpeg"],
                                ByteBuffer(string: "corrupt upload \(i)"), "/v1/classify")
                        case 8:
                            (expectation, headers, body, path) = (
                                .error(.unsupportedMediaType, "unsupported_media_type"), [.contentType: "text/plain"],
                                ByteBuffer(string: "text \(i)"), "/v1/classify")
                        case 9:
                            (expectation, headers, body, path) = (
                                .error(.badRequest, "bad_request"), [.contentType: "image/jpeg"],
                                ByteBuffer(bytes: photos["cat"]!), "/v1/classify?top_k=0")
                        default:
                            let stem = Fixtures.photoNames[i % Fixtures.photoNames.count]
                            (expectation, headers, body, path) = (
                                .top1(expected[stem]!, stem: stem), [.contentType: "image/jpeg", .requestID: "burst-\(i)"],
                                ByteBuffer(bytes: photos[stem]!), "/v1/models/efficientnet_lite0/classify?top_k=1")
                        }
                        let response = try await client.execute(uri: path, method: .post, headers: headers, body: body)
                        return (i, expectation, response)
                    }
                }
                var all: [(Int, Expectation, TestResponse)] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.count == 200)
            for (i, expectation, response) in outcomes {
                switch expectation {
                case .top1(let index, let stem):
                    #expect(response.status == .ok, "request \(i) (\(stem))")
                    #expect(response.headers[.requestID] == "burst-\(i)")
                    let body = try decode(Classification.self, response)
                    #expect(body.predictions.map(\.index) == [index], "request \(i) (\(stem)) got \(body.predictions)")
                case .error(let status, let code):
                    try expectError(response, status, code)
                }
            }
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let larger = Self.batchesLargerThanOne(metrics)
            #expect(larger > 0, "the batch size histogram shows batches larger than 1 (\(larger))")
        }
    }

    @Test("a burst against a tiny queue gets some 503 overloaded with Retry-After at once, the rest succeed")
    func overload() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier(configure: { $0.queueCapacity = 2; $0.maxBatchSize = 1 }) { client in
            let started = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?, Duration).self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let start = ContinuousClock.now
                        let response = try await client.execute(
                            uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
                        if response.status == .serviceUnavailable { try expectError(response, .serviceUnavailable, "overloaded") }
                        return (response.status, response.headers[.retryAfter], ContinuousClock.now - start)
                    }
                }
                var all: [(HTTPResponse.Status, String?, Duration)] = []
                for try await status in group { all.append(status) }
                return all
            }
            let refused = statuses.filter { $0.0 == .serviceUnavailable }
            let served = statuses.filter { $0.0 == .ok }
            #expect(refused.count > 0, "some requests were shed")
            #expect(served.count > 0, "some requests were served")
            #expect(refused.count + served.count == 40)
            #expect(refused.allSatisfy { $0.1 == "1" }, "every 503 has Retry-After")
            // Bounded: nothing waits behind an unbounded queue (40 images at batch 1 take well under this).
            #expect(ContinuousClock.now - started < .seconds(60))
        }
    }

    /// Observations of the batch size histogram above the `le="1.0"` bucket: count minus bucket(1).
    static func batchesLargerThanOne(_ metrics: String) -> Double {
        var count = 0.0, upToOne = 0.0
        for line in metrics.split(separator: "\n") where line.hasPrefix("hublot_batch_size") && line.contains("efficientnet_lite0") {
            let value = Double(line.split(separator: " ").last ?? "") ?? 0
            if line.hasPrefix("hublot_batch_size_count") { count = value }
            if line.hasPrefix("hublot_batch_size_bucket"), line.contains("le=\"1.0\"") { upToOne = value }
        }
        return count - upToOne
    }
}
