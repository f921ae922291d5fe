/// One classifier replica: an IP address (or the URL's host name, when the front does not balance) and a port.
public struct ReplicaAddress: Hashable, Sendable, CustomStringConvertible {
    /// The IP address, IPv6 without brackets (or the host name of an `https` URL).
    public let host: String
    /// The TCP port.
    public let port: Int

    /// The replica at `host` (no brackets) and `port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, an IPv6 address in brackets: the authority of the replica's URLs and its metrics label.
    public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The authority.
    public var description: String { authority }
}
