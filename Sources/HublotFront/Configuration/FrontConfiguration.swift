import Foundation
import HublotHTTP

/// Everything `hublot-front` can be configured with: where it listens, where the classifier is, limits and timeouts.
public struct FrontConfiguration: Sendable {
    /// The address the front binds to.
    public var host: String
    /// The TCP port the front listens on.
    public var port: Int
    /// Base URL of hublot-classifier, for example `http://127.0.0.1:8081`.
    public var classifierURL: String
    /// How long to wait for a TCP connection to the classifier.
    public var connectTimeout: Duration
    /// How long a whole request to the classifier may take, from sending to the last byte of the answer.
    public var requestTimeout: Duration
    /// The largest image accepted, in bytes; larger uploads are refused with 413 before anything is forwarded.
    public var maxUploadBytes: Int
    /// How long an upload's body may take to arrive once its headers are in; then 408 and the connection closes.
    public var bodyTimeout: Duration
    /// How long a connection may stay without reading or writing (between requests, or while headers or
    /// a body trickle in) before the front closes it.
    public var idleTimeout: Duration
    /// How long a request's head may take to arrive, from the connection's start or the previous answer;
    /// then the connection closes (slow headers, idle keep-alive).
    public var headerTimeout: Duration
    /// Bytes of uploads held in memory at once, across requests; past it uploads get 503 with `Retry-After`.
    public var uploadMemoryBytes: Int
    /// Connections kept open to each classifier replica (AsyncHTTPClient's per-host soft limit: one pool per replica address).
    public var maxConnections: Int
    /// How requests are spread over the classifier's replicas.
    public var balancing: ClassifierBalancing
    /// How often the classifier's host is resolved again to find its replicas; zero: only at start and when a
    /// replica refuses a connection.
    public var dnsRefresh: Duration
    /// The language used when neither the query, the cookie nor `Accept-Language` choose one.
    public var defaultLanguage: Language
    /// How many predictions the pages ask for.
    public var topK: Int

    /// Creates a configuration; every value has a default suited to a local run.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        classifierURL: String = "http://127.0.0.1:8081",
        connectTimeout: Duration = .seconds(2),
        requestTimeout: Duration = .seconds(30),
        maxUploadBytes: Int = UploadLimits.defaultMaxBytes,
        bodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60),
        headerTimeout: Duration = .seconds(30),
        uploadMemoryBytes: Int = 128 * 1024 * 1024,
        maxConnections: Int = 16,
        balancing: ClassifierBalancing = .leastOutstanding,
        dnsRefresh: Duration = .seconds(5),
        defaultLanguage: Language = .french,
        topK: Int = 5
    ) {
        self.host = host
        self.port = port
        self.classifierURL = classifierURL
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxUploadBytes = maxUploadBytes
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.uploadMemoryBytes = uploadMemoryBytes
        self.maxConnections = maxConnections
        self.balancing = balancing
        self.dnsRefresh = dnsRefresh
        self.defaultLanguage = defaultLanguage
        self.topK = topK
    }

    /// Checks the values are usable; returns a message per problem.
    public func problems() -> [String] {
        var problems: [String] = []
        if !(0...65535).contains(port) { problems.append("port must be in 0...65535") }
        if ClassifierTarget(url: classifierURL) == nil {
            problems.append("the classifier URL must be an http:// or https:// URL with a host")
        }
        for (name, value) in [
            ("connect timeout", connectTimeout), ("request timeout", requestTimeout), ("body timeout", bodyTimeout),
            ("idle timeout", idleTimeout), ("header timeout", headerTimeout),
        ] where value <= .zero {
            problems.append("\(name) must be positive")
        }
        if maxUploadBytes < 1 { problems.append("max upload bytes must be at least 1") }
        let largestShare = uploadShare(declaredLength: nil, contentType: "multipart/form-data")
        if uploadMemoryBytes < largestShare {
            problems.append("upload memory bytes must hold at least one largest form post (\(largestShare) bytes)")
        }
        if maxConnections < 1 { problems.append("classifier connections must be at least 1") }
        if dnsRefresh < .zero { problems.append("classifier DNS refresh must be 0 or more seconds") }
        if topK < 1 { problems.append("top k must be at least 1") }
        return problems
    }

    /// Extra room allowed around the image in a multipart form (boundaries, part headers, the other fields).
    var multipartOverheadBytes: Int { 64 * 1024 }

    /// The bytes of the upload budget an upload takes while in flight: its body (its `Content-Length`, else the
    /// limit), twice for a form (the parser assembles the image part in a buffer of its own).
    func uploadShare(declaredLength: Int?, contentType: String?) -> Int {
        let body = declaredLength ?? bodyLimit(contentType: contentType)
        return MultipartFormData.isMultipart(contentType) ? 2 * body : body
    }

    /// The largest body accepted for an upload of `contentType`: the image, plus room for the form around it.
    func bodyLimit(contentType: String?) -> Int {
        maxUploadBytes + (MultipartFormData.isMultipart(contentType) ? multipartOverheadBytes : 0)
    }
}
