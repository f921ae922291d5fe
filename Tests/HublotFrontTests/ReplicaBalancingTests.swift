import Foundation
import HTTPTypes
import HublotHTTP
import HummingbirdTesting
import NIOCore
import Prometheus
import Testing

@testable import HublotFront

/// The front's client against several fake classifier replicas on 127.0.0.1, behind a test resolver:
/// spread, a replica stopped under load, a replica added at a refresh, retries and what is never retried.
@Suite(.timeLimit(.minutes(2))) struct ReplicaBalancingTests {
    @Test(arguments: ClassifierBalancing.allCases)
    func classificationsSpreadOverTwoReplicas(balancing: ClassifierBalancing) async throws {
        let first = try await FakeReplica.start()
        let second = try await FakeReplica.start()
        let registry = PrometheusCollectorRegistry()
        let resolver = ListResolver([first.address, second.address])
        let result = try await withBalancedClient(resolver: resolver, balancing: balancing, registry: registry) { client in
            await classifyConcurrently(client, total: 200, workers: 8)
        }
        await first.stop()
        await second.stop()
        #expect(result.errors.isEmpty)
        #expect(result.statuses == Array(repeating: .ok, count: 200))
        for replica in [first, second] {
            #expect((80...120).contains(replica.classifyCalls), "\(replica.address): \(replica.classifyCalls) of 200")
            #expect(metricValue(registry, requestsSeries(replica.address)) == Double(replica.classifyCalls))
        }
        #expect(metricValue(registry, retriesSeries) == 0)
    }

    @Test func aReplicaStoppedUnderLoadFailsNoRequestAndIsSkippedAfterwards() async throws {
        let staying = try await FakeReplica.start()
        let leaving = try await FakeReplica.start()
        let registry = PrometheusCollectorRegistry()
        let resolver = ListResolver([leaving.address, staying.address])
        let (load, sentToLeavingAfterwards) = try await withBalancedClient(resolver: resolver, registry: registry) { client in
            let load = await classifyConcurrently(client, total: 200, workers: 8, trigger: (after: 50, action: { await leaving.stop() }))
            // The load is over and the stopped replica was met: it is backed off, every request goes to the other.
            let before = metricValue(registry, requestsSeries(leaving.address))
            for index in 0..<20 { _ = try await classifyOnce(client, index) }
            return (load, metricValue(registry, requestsSeries(leaving.address)) - before)
        }
        await staying.stop()
        #expect(load.errors.isEmpty, "\(load.errors)")
        #expect(load.statuses.count == 200)
        #expect(leaving.classifyCalls >= 10, "the stopped replica took its share before it stopped")
        #expect(staying.classifyCalls + leaving.classifyCalls == 220)
        #expect(metricValue(registry, retriesSeries) >= 1)
        #expect(sentToLeavingAfterwards == 0)
    }

    @Test func aReplicaAddedAtARefreshReceivesTraffic() async throws {
        let replicas = [try await FakeReplica.start(), try await FakeReplica.start(), try await FakeReplica.start()]
        let resolver = ListResolver(replicas.prefix(2).map(\.address))
        try await withBalancedClient(resolver: resolver, dnsRefresh: .milliseconds(20)) { client in
            for index in 0..<10 {
                let answer = try await classifyOnce(client, index)
                #expect(answer.status == .ok)
            }
            #expect(replicas[2].classifyCalls == 0)
            let all = replicas.map(\.address)
            resolver.addresses = all
            // Two answers of the new list: the first has been taken in when the second is given.
            await resolver.waitForAnswers(all, count: 2)
            #expect(client.replicas.addresses == all)
            for index in 0..<30 {
                let answer = try await classifyOnce(client, index)
                #expect(answer.status == .ok)
            }
        }
        for replica in replicas { await replica.stop() }
        #expect(replicas[2].classifyCalls >= 5, "the third replica got \(replicas[2].classifyCalls) of 30")
        #expect(replicas.map(\.classifyCalls).reduce(0, +) == 40)
    }

    @Test func aReplicaRemovedAtARefreshIsNoLongerUsed() async throws {
        let kept = try await FakeReplica.start()
        let removed = try await FakeReplica.start()
        let resolver = ListResolver([removed.address, kept.address])
        try await withBalancedClient(resolver: resolver, dnsRefresh: .milliseconds(20)) { client in
            for index in 0..<4 { _ = try await classifyOnce(client, index) }
            resolver.addresses = [kept.address]
            await resolver.waitForAnswers([kept.address], count: 2)
            for index in 0..<10 {
                let answer = try await classifyOnce(client, index)
                #expect(answer.status == .ok)
            }
        }
        await kept.stop()
        await removed.stop()
        #expect(removed.classifyCalls == 2)
        #expect(kept.classifyCalls == 12)
    }

    @Test func aReplicaThatClosesBeforeAnsweringCostsExactlyOneRetry() async throws {
        let closing = try await ClosingReplica.start()
        let healthy = try await FakeReplica.start()
        let registry = PrometheusCollectorRegistry()
        // The closing replica is first: the first request goes there.
        let resolver = ListResolver([closing.address, healthy.address])
        let answer = try await withBalancedClient(resolver: resolver, registry: registry) { client in
            try await classifyOnce(client)
        }
        try await closing.stop()
        await healthy.stop()
        #expect(answer.status == .ok)
        #expect(closing.closedRequests == 1)
        #expect(healthy.classifyCalls == 1)
        #expect(metricValue(registry, retriesSeries) == 1)
        #expect(metricValue(registry, requestsSeries(closing.address)) == 1)
        #expect(metricValue(registry, requestsSeries(healthy.address)) == 1)
    }

    @Test func aRequestIsRetriedOnceOnly() async throws {
        let first = try await ClosingReplica.start()
        let second = try await ClosingReplica.start()
        let registry = PrometheusCollectorRegistry()
        let resolver = ListResolver([first.address, second.address])
        let error = try await withBalancedClient(resolver: resolver, registry: registry) { client -> APIError? in
            do {
                _ = try await classifyOnce(client)
                return nil
            } catch {
                return ClassifierClient.apiError(for: error)
            }
        }
        try await first.stop()
        try await second.stop()
        #expect(error?.code == .classifierUnavailable)
        #expect(first.closedRequests + second.closedRequests == 2)
        #expect(metricValue(registry, retriesSeries) == 1)
    }

    @Test func aRefusingReplicaIsRetriedElsewhereThenSkipped() async throws {
        let healthy = try await FakeReplica.start()
        let refusing = ReplicaAddress(host: "127.0.0.1", port: try refusingLocalPort())
        let registry = PrometheusCollectorRegistry()
        let resolver = ListResolver([refusing, healthy.address])
        try await withBalancedClient(resolver: resolver, registry: registry) { client in
            for index in 0..<6 {
                let answer = try await classifyOnce(client, index)
                #expect(answer.status == .ok)
            }
        }
        await healthy.stop()
        #expect(healthy.classifyCalls == 6)
        #expect(metricValue(registry, requestsSeries(refusing)) == 1)
        #expect(metricValue(registry, retriesSeries) == 1)
    }

    @Test func refusingReplicasAreEachSkippedUntilOneAnswers() async throws {
        // Two replicas stopping at once (a scale-down): a request refused by both still reaches the third.
        let healthy = try await FakeReplica.start()
        let refusing = [
            ReplicaAddress(host: "127.0.0.1", port: try refusingLocalPort()), ReplicaAddress(host: "127.0.0.1", port: try refusingLocalPort()),
        ]
        let registry = PrometheusCollectorRegistry()
        let resolver = ListResolver(refusing + [healthy.address])
        let answer = try await withBalancedClient(resolver: resolver, balancing: .roundRobin, registry: registry) { client in
            try await classifyOnce(client)
        }
        await healthy.stop()
        #expect(answer.status == .ok)
        #expect(healthy.classifyCalls == 1)
        #expect(metricValue(registry, retriesSeries) == 2)
        #expect(refusing.allSatisfy { metricValue(registry, requestsSeries($0)) == 1 })
    }

    @Test func aReplicaAnswering503IsNotRetried() async throws {
        let overloaded = try await FakeReplica.start(overloaded: true)
        let healthy = try await FakeReplica.start()
        let registry = PrometheusCollectorRegistry()
        let resolver = ListResolver([overloaded.address, healthy.address])
        let answer = try await withBalancedClient(resolver: resolver, registry: registry) { client in
            try await classifyOnce(client)
        }
        await overloaded.stop()
        await healthy.stop()
        #expect(answer.status == .serviceUnavailable)
        #expect(answer.retryAfter == "3")
        #expect(answer.error?.code == .overloaded)
        #expect(overloaded.classifyCalls == 1)
        #expect(healthy.classifyCalls == 0)
        #expect(metricValue(registry, retriesSeries) == 0)
    }

    @Test func aTimeoutOfASentRequestIsNotRetried() async throws {
        let slow = try await FakeReplica.start(delay: .seconds(2))
        let healthy = try await FakeReplica.start()
        let registry = PrometheusCollectorRegistry()
        let resolver = ListResolver([slow.address, healthy.address])
        let error = try await withBalancedClient(resolver: resolver, requestTimeout: .milliseconds(300), registry: registry) { client -> APIError? in
            do {
                _ = try await classifyOnce(client)
                return nil
            } catch {
                return ClassifierClient.apiError(for: error)
            }
        }
        await slow.stop()
        await healthy.stop()
        #expect(error?.code == .classifierTimeout)
        #expect(slow.classifyCalls == 1)
        #expect(healthy.classifyCalls == 0)
        #expect(metricValue(registry, retriesSeries) == 0)
    }

    @Test func aNameThatNeverResolvedAnswers503() async throws {
        let resolver = ListResolver([], failing: true)
        let error = try await withBalancedClient(resolver: resolver) { client -> APIError? in
            do {
                _ = try await classifyOnce(client)
                return nil
            } catch {
                return ClassifierClient.apiError(for: error)
            }
        }
        #expect(error?.code == .classifierUnavailable)
        #expect(resolver.calls >= 1)
    }

    @Test func aFailedResolutionKeepsTheLastReplicas() async throws {
        let replica = try await FakeReplica.start()
        let resolver = ListResolver([replica.address])
        try await withBalancedClient(resolver: resolver, dnsRefresh: .milliseconds(20)) { client in
            let first = try await classifyOnce(client)
            #expect(first.status == .ok)
            resolver.failing = true
            await resolver.waitForAnswers([], count: 2)
            #expect(client.replicas.addresses == [replica.address])
            let second = try await classifyOnce(client)
            #expect(second.status == .ok)
        }
        await replica.stop()
        #expect(replica.classifyCalls == 2)
    }

    @Test func theFrontReportsRequestsPerReplica() async throws {
        let first = try await FakeReplica.start()
        let second = try await FakeReplica.start()
        let registry = PrometheusCollectorRegistry()
        let app = try await makeFront(
            classifierURL: balancedClassifierURL, registry: registry, resolver: ListResolver([first.address, second.address]))
        try await app.test(.router) { client in
            for _ in 0..<4 {
                try await client.execute(
                    uri: "/api/classify?model=slow", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: [0xFF, 0xD8, 0xFF])
                ) { response in
                    #expect(response.status == .ok)
                }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.text.contains(#"hublot_front_classifier_requests_total{replica="\#(first.address.authority)"} 2"#))
                #expect(response.text.contains(#"hublot_front_classifier_requests_total{replica="\#(second.address.authority)"} 2"#))
                #expect(response.text.contains("hublot_front_classifier_retries_total 0"))
                #expect(response.text.contains("hublot_front_classifier_replicas 2"))
            }
        }
        await first.stop()
        await second.stop()
        #expect(first.classifyCalls == 2)
        #expect(second.classifyCalls == 2)
    }
}
