import Logging
import Prometheus
import Testing

@testable import HublotFront

/// The classifier URL taken apart, the real getaddrinfo resolver, and IP literals that are never resolved.
@Suite struct ClassifierResolutionTests {
    @Test func getaddrinfoResolvesLocalhostToLoopbackAddresses() async throws {
        let addresses = try await GetaddrinfoResolver().resolve(host: "localhost", port: 8081)
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { ["127.0.0.1", "::1"].contains($0.host) && $0.port == 8081 }, "\(addresses)")
        #expect(Set(addresses).count == addresses.count)
    }

    @Test func getaddrinfoGivesANumericAddressBackAsIs() async throws {
        #expect(try await GetaddrinfoResolver().resolve(host: "127.0.0.1", port: 80) == [ReplicaAddress(host: "127.0.0.1", port: 80)])
        #expect(try await GetaddrinfoResolver().resolve(host: "::1", port: 80) == [ReplicaAddress(host: "::1", port: 80)])
    }

    @Test func getaddrinfoFailureNamesTheHost() {
        // An empty name is refused by getaddrinfo itself, without asking any DNS server.
        let error = #expect(throws: ClassifierResolutionError.self) {
            try GetaddrinfoResolver.addresses(of: "", port: 80)
        }
        #expect(error?.host == "")
        #expect(error?.reason.isEmpty == false)
    }

    @Test func anIPv4LiteralIsOneReplicaNeverResolved() throws {
        let target = try #require(ClassifierTarget(url: "http://127.0.0.1:8081"))
        #expect(target.fixedReplica == ReplicaAddress(host: "127.0.0.1", port: 8081))
        #expect(target.hostHeader == "127.0.0.1:8081")
        #expect(target.url(of: target.fixedReplica!, path: "/v1/models") == "http://127.0.0.1:8081/v1/models")
    }

    @Test func anIPv6LiteralIsBracketedInURLsAndHeaders() throws {
        let target = try #require(ClassifierTarget(url: "http://[::1]:8081/"))
        #expect(target.fixedReplica == ReplicaAddress(host: "::1", port: 8081))
        #expect(target.fixedReplica?.authority == "[::1]:8081")
        #expect(target.hostHeader == "[::1]:8081")
        #expect(target.url(of: target.fixedReplica!, path: "/v2/health/ready") == "http://[::1]:8081/v2/health/ready")
        #expect(target.url(of: ReplicaAddress(host: "fd00::5", port: 8081), path: "/x") == "http://[fd00::5]:8081/x")
    }

    @Test func aNameIsResolvedAndKeepsItsHostHeaderAndPath() throws {
        let target = try #require(ClassifierTarget(url: "http://classifier-replicas:8000/hublot/"))
        #expect(target.fixedReplica == nil)
        #expect(target.host == "classifier-replicas")
        #expect(target.port == 8000)
        #expect(target.hostHeader == "classifier-replicas:8000")
        #expect(target.url(of: ReplicaAddress(host: "10.0.0.7", port: 8000), path: "/v1/models") == "http://10.0.0.7:8000/hublot/v1/models")
        let noPort = try #require(ClassifierTarget(url: "http://classifier"))
        #expect(noPort.port == 80)
        #expect(noPort.hostHeader == "classifier")
    }

    @Test func httpsIsNotBalanced() throws {
        let target = try #require(ClassifierTarget(url: "https://classifier.example.org"))
        #expect(target.fixedReplica == ReplicaAddress(host: "classifier.example.org", port: 443))
    }

    @Test func otherURLsAreRefused() {
        for url in ["ftp://classifier", "classifier:8000", "http://", "not a url"] {
            #expect(ClassifierTarget(url: url) == nil, "\(url)")
            #expect(FrontConfiguration(classifierURL: url).problems().contains { $0.contains("classifier URL") }, "\(url)")
        }
        #expect(FrontConfiguration(dnsRefresh: .seconds(-1)).problems() == ["classifier DNS refresh must be 0 or more seconds"])
        #expect(FrontConfiguration(dnsRefresh: .zero).problems().isEmpty)
    }

    @Test(arguments: ["http://127.0.0.1:8081", "http://[::1]:8081"])
    func aLiteralIsNeverGivenToTheResolver(url: String) async throws {
        let resolver = ListResolver([])
        let replicas = ReplicaSet(
            target: try #require(ClassifierTarget(url: url)), balancing: .leastOutstanding, refreshInterval: .zero, resolver: resolver,
            registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        await replicas.refresh()
        #expect(await replicas.pick() == ClassifierTarget(url: url)?.fixedReplica)
        #expect(resolver.calls == 0)
    }
}
