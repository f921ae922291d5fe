import Foundation
import HublotAPI
import HublotClassifier
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// The response cache: its LRU state alone, then through the classify route.
@Suite("response cache", .timeLimit(.minutes(3)))
struct ResponseCacheTests {
    typealias State = ResponseCacheState<String, Int>

    @Test("a hit makes an entry the most recently used; past the capacity the least recently used go first")
    func leastRecentlyUsedGoesFirst() {
        var state = State(capacity: 30)
        state.insert(1, for: "a", cost: 10)
        state.insert(2, for: "b", cost: 10)
        state.insert(3, for: "c", cost: 10)
        #expect(state.keysByRecency == ["c", "b", "a"])
        #expect(state.value(for: "a") == 1)
        #expect(state.keysByRecency == ["a", "c", "b"])
        #expect(state.insert(4, for: "d", cost: 15) == 2)  // b, then c
        #expect(state.keysByRecency == ["d", "a"])
        #expect(state.value(for: "b") == nil && state.value(for: "c") == nil)
        #expect(state.bytes == 25 && state.count == 2)
    }

    @Test("storing a key again replaces its entry and its cost; a value larger than the whole cache is not stored")
    func replaceAndTooLarge() {
        var state = State(capacity: 20)
        state.insert(1, for: "a", cost: 5)
        state.insert(2, for: "a", cost: 8)
        #expect(state.value(for: "a") == 2 && state.bytes == 8 && state.count == 1)
        state.insert(3, for: "big", cost: 21)
        #expect(state.value(for: "big") == nil && state.bytes == 8)
        var off = State(capacity: 0)
        off.insert(1, for: "a", cost: 1)
        #expect(off.count == 0)
    }

    @Test("removeAll drops the matching entries and their bytes; freed slots are reused")
    func removeAllAndReuse() {
        var state = State(capacity: 1000)
        for i in 0..<10 { state.insert(i, for: "k\(i)", cost: 10) }
        #expect(state.removeAll { Int($0.dropFirst())! % 2 == 0 } == 5)
        #expect(state.count == 5 && state.bytes == 50)
        #expect(state.keysByRecency == ["k9", "k7", "k5", "k3", "k1"])
        for i in 10..<15 { state.insert(i, for: "k\(i)", cost: 10) }
        #expect(state.count == 10 && state.keysByRecency.first == "k14" && state.keysByRecency.last == "k1")
    }

    @Test("100,000 answers into a 1 MB cache: never more than the capacity, the newest kept; a version's entries are invalidated alone")
    func boundedAndInvalidated() {
        let cache = ResponseCache(capacity: 1_000_000)
        let predictions = (0..<5).map { Prediction(index: $0, label: "label \($0)", probability: 0.1) }
        var last = ResponseCache.Key(model: "m", version: "1", image: [], topK: 5)
        for i in 0..<100_000 {
            last = ResponseCache.Key(model: "m", version: i % 2 == 0 ? "1" : "2", image: Array("image \(i)".utf8), topK: 5)
            cache.store(predictions, for: last)
            if i % 10_000 == 0 { #expect(cache.bytes <= 1_000_000) }
        }
        let cost = ResponseCache.cost(of: predictions, for: last)
        #expect(cache.bytes <= 1_000_000 && cache.bytes > 1_000_000 - cost)
        #expect(cache.count == cache.bytes / cost)
        #expect(cache.predictions(for: last) == predictions)
        let held = cache.count
        #expect(cache.invalidate(model: "m", version: "2") == held / 2)
        #expect(cache.predictions(for: last) == nil)  // the last one was version 2
        #expect(cache.count == held - held / 2)
    }

    @Test("classify: the same image again is answered from the cache, the same classes, cached: true; another top_k or image is a miss; counted")
    func classifyHitsAndMisses() async throws {
        let cat = try Fixtures.photo("cat"), bus = try Fixtures.photo("bus")
        let registry = PrometheusCollectorRegistry()
        try await withClassifier(configure: { $0.responseCacheSize = 1 << 20 }, registry: registry) { client in
            func classify(_ bytes: [UInt8], _ query: String = "") async throws -> Classification {
                let response = try await client.execute(
                    uri: "/v1/models/efficientnet_lite0/classify" + query, method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: bytes))
                #expect(response.status == .ok)
                return try decode(Classification.self, response)
            }
            let first = try await classify(cat)
            #expect(first.timings.cached == nil && first.timings.inferenceMs > 0)
            let again = try await classify(cat)
            #expect(again.timings.cached == true && again.timings.inferenceMs == 0 && again.timings.decodeMs == 0)
            #expect(again.predictions == first.predictions && again.version == first.version)
            #expect(try await classify(cat, "?top_k=3").timings.cached == nil)
            #expect(try await classify(bus).timings.cached == nil)
            #expect(try await classify(cat, "?top_k=3").timings.cached == true)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"hublot_response_cache_lookups_total{model="efficientnet_lite0",outcome="hit"} 2"#))
            #expect(metrics.contains(#"hublot_response_cache_lookups_total{model="efficientnet_lite0",outcome="miss"} 3"#))
            #expect(metrics.contains("hublot_response_cache_entries 3"))
        }
    }

    @Test("unloading a model drops its cached answers: after a reload the same image is computed again")
    func unloadInvalidates() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier(configure: { $0.responseCacheSize = 1 << 20; $0.modelControl = .explicit }) { client in
            func classify() async throws -> Classification {
                try decode(Classification.self, try await client.execute(
                    uri: "/v1/models/efficientnet_lite0/classify", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: cat)))
            }
            _ = try await classify()
            #expect(try await classify().timings.cached == true)
            #expect(try await client.execute(uri: "/v1/models/efficientnet_lite0/unload", method: .post).status == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("hublot_response_cache_entries 0"))
            #expect(metrics.contains("hublot_response_cache_bytes 0"))
            #expect(try await client.execute(uri: "/v1/models/efficientnet_lite0/load", method: .post).status == .ok)
            #expect(try await classify().timings.cached == nil)
        }
    }
}
