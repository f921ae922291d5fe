import Foundation
import NIOCore

/// The classifier URL taken apart: the host the front resolves, the port, and how each replica's URL is made.
///
/// An `http` URL naming a host is balanced: the name is resolved to all its addresses and each request goes to
/// `http://<address>:<port><path>`, with the URL's own `Host` header. An IP literal is one replica, never resolved.
/// An `https` URL is not balanced (its certificate names the host, not the addresses): one replica, the URL's host.
struct ClassifierTarget: Sendable {
    /// `http` or `https`.
    let scheme: String
    /// The host, an IPv6 literal without brackets.
    let host: String
    /// The port (the scheme's default when the URL has none).
    let port: Int
    /// The URL's path without its trailing slashes (`""` for none), put before every API path.
    let pathPrefix: String
    /// The `Host` header every request carries: the URL's authority, whichever replica it goes to.
    let hostHeader: String
    /// The only replica, when the URL is not resolved (an IP literal, or `https`); nil when balanced.
    let fixedReplica: ReplicaAddress?

    /// Parses an `http://` or `https://` URL; nil for anything else.
    init?(url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", var host = components.host, !host.isEmpty
        else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.scheme = scheme
        self.host = host
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.pathPrefix = path
        let bracketed = host.contains(":") ? "[\(host)]" : host
        self.hostHeader = bracketed + (components.port.map { ":\($0)" } ?? "")
        let isLiteral = (try? SocketAddress(ipAddress: host, port: self.port)) != nil
        self.fixedReplica = isLiteral || scheme == "https" ? ReplicaAddress(host: host, port: self.port) : nil
    }

    /// The URL of `path` (which starts with `/`) at `replica`.
    func url(of replica: ReplicaAddress, path: String) -> String {
        "\(scheme)://\(replica.authority)\(pathPrefix)\(path)"
    }
}
