import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's resolver: `getaddrinfo` (so `/etc/hosts`, Docker's and Kubernetes' DNS alike), run on
/// NIO's blocking-I/O thread pool, never on an event loop nor a Swift concurrency thread.
public struct GetaddrinfoResolver: ClassifierResolver {
    /// The resolver.
    public init() {}

    /// Every IPv4 and IPv6 address of `host`, deduplicated, in getaddrinfo's order.
    public func resolve(host: String, port: Int) async throws -> [ReplicaAddress] {
        try await NIOThreadPool.singleton.runIfActive { try Self.addresses(of: host, port: port) }
    }

    /// The blocking call.
    static func addresses(of host: String, port: Int) throws -> [ReplicaAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            throw ClassifierResolutionError(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [ReplicaAddress] = []
        var next = list
        while let info = next {
            next = info.pointee.ai_next
            guard let text = Self.numericHost(info.pointee) else { continue }
            let address = ReplicaAddress(host: text, port: port)
            if !addresses.contains(address) { addresses.append(address) }
        }
        guard !addresses.isEmpty else { throw ClassifierResolutionError(host: host, reason: "no IPv4 or IPv6 address") }
        return addresses
    }

    /// The numeric text of an IPv4 or IPv6 entry (`inet_ntop`), nil for another family.
    private static func numericHost(_ info: addrinfo) -> String? {
        guard let socketAddress = info.ai_addr else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let written: UnsafePointer<CChar>?
        switch info.ai_family {
        case AF_INET:
            var address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            written = inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
        case AF_INET6:
            var address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            written = inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
        default:
            return nil
        }
        guard written != nil else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
