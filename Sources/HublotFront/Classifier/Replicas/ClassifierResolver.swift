/// Resolves the classifier's host name to the addresses of all its replicas (``GetaddrinfoResolver``,
/// or a test's own list).
public protocol ClassifierResolver: Sendable {
    /// Every address of `host` (IPv4 and IPv6, no duplicates, in the resolver's order) with `port`;
    /// throws ``ClassifierResolutionError`` when the name does not resolve.
    func resolve(host: String, port: Int) async throws -> [ReplicaAddress]
}

/// The classifier's host name did not resolve.
public struct ClassifierResolutionError: Error, CustomStringConvertible {
    /// The name.
    public let host: String
    /// The resolver's reason (`gai_strerror`'s text for getaddrinfo).
    public let reason: String

    /// A failure to resolve `host`, for `reason`.
    public init(host: String, reason: String) {
        self.host = host
        self.reason = reason
    }

    /// `cannot resolve classifier: Name or service not known`.
    public var description: String { "cannot resolve \(host): \(reason)" }
}
