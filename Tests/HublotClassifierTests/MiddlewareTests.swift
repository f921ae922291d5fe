import Foundation
import HublotClassifier
import HublotHTTP
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// Request ids, JSON errors and metrics from HublotHTTP, as the classifier uses them.
@Suite("HublotHTTP in the classifier", .timeLimit(.minutes(3)))
struct MiddlewareTests {
    @Test("X-Request-Id is echoed when acceptable, generated when absent or unacceptable, also on errors")
    func requestID() async throws {
        try await withClassifier(waitForReady: false) { client in
            let echoed = try await client.execute(uri: "/v2/health/live", method: .get, headers: [.requestID: "abc-123"])
            #expect(echoed.headers[.requestID] == "abc-123")
            let generated = try await client.execute(uri: "/v2/health/live", method: .get)
            let id = try #require(generated.headers[.requestID])
            #expect(!id.isEmpty)
            let another = try await client.execute(uri: "/v2/health/live", method: .get)
            #expect(another.headers[.requestID] != id)
            let tooLong = String(repeating: "x", count: 200)
            let replaced = try await client.execute(uri: "/v2/health/live", method: .get, headers: [.requestID: tooLong])
            #expect(replaced.headers[.requestID] != tooLong)
            let onError = try await client.execute(uri: "/nowhere", method: .get, headers: [.requestID: "err-1"])
            #expect(onError.status == .notFound)
            #expect(onError.headers[.requestID] == "err-1")
        }
    }

    @Test("APIError renders {error: {code, message}} with its status and headers")
    func apiErrorShape() throws {
        let error = APIError.overloaded("busy", retryAfterSeconds: 3)
        #expect(error.status == .serviceUnavailable)
        #expect(error.headers[.retryAfter] == "3")
        #expect(APIError.from(HTTPError(.notFound)).code == .notFound)
        #expect(APIError.from(HTTPError(.contentTooLarge)).code == .payloadTooLarge)
        struct Unexpected: Error {}
        let hidden = APIError.from(Unexpected())
        #expect(hidden.status == .internalServerError)
        #expect(hidden.code == .internal)
        #expect(!hidden.message.contains("Unexpected"))
    }

    @Test("/metrics exposes request, batch, queue, inference and model metrics in Prometheus format")
    func metrics() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier { client in
            let classified = try await client.execute(
                uri: "/v1/classify", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            #expect(classified.status == .ok)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            for name in [
                "hublot_classify_requests_total{model=\"efficientnet_lite0\",status=\"200\"}",
                "hublot_batch_size_bucket{model=\"efficientnet_lite0\"",
                "hublot_inference_duration_seconds_bucket{model=\"efficientnet_lite0\"",
                "hublot_queue_depth{model=\"efficientnet_lite0\"}",
                "hublot_model_ready{model=\"efficientnet_lite0\"} 1.0",
                "hublot_models_loaded",
                "http_server_request_duration_seconds_bucket",
                "http_server_requests_total{http_route=\"/v1/classify\",http_request_method=\"POST\",http_response_status_code=\"200\"}",
            ] {
                #expect(text.contains(name), "metrics contain \(name)")
            }
        }
    }

    @Test("Two applications' metrics do not mix: each one's /metrics shows its own requests only")
    func metricsPerApplication() async throws {
        let first = PrometheusCollectorRegistry()
        let second = PrometheusCollectorRegistry()
        let live = "http_server_requests_total{http_route=\"/v2/health/live\",http_request_method=\"GET\",http_response_status_code=\"200\"}"
        try await withClassifier(waitForReady: false, registry: first) { firstClient in
            try await withClassifier(waitForReady: false, registry: second) { secondClient in
                for _ in 0..<3 {
                    #expect(try await firstClient.execute(uri: "/v2/health/live", method: .get).status == .ok)
                }
                #expect(try await secondClient.execute(uri: "/nowhere", method: .get).status == .notFound)
                let firstText = String(buffer: try await firstClient.execute(uri: "/metrics", method: .get).body)
                let secondText = String(buffer: try await secondClient.execute(uri: "/metrics", method: .get).body)
                #expect(firstText.contains("\(live) 3\n"))
                #expect(!secondText.contains(live))
                #expect(secondText.contains("http_request_method=\"GET\",http_response_status_code=\"404\"} 1\n"))
                #expect(!firstText.contains("http_response_status_code=\"404\""))
                #expect(first.emitToString().contains("\(live) 3\n"))
            }
        }
    }
}
