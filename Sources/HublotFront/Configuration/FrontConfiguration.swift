import Foundation

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
    /// Connections kept open to the classifier.
    public var maxConnections: Int
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
        maxUploadBytes: Int = 20 * 1024 * 1024,
        maxConnections: Int = 16,
        defaultLanguage: Language = .french,
        topK: Int = 5
    ) {
        self.host = host
        self.port = port
        self.classifierURL = classifierURL
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxUploadBytes = maxUploadBytes
        self.maxConnections = maxConnections
        self.defaultLanguage = defaultLanguage
        self.topK = topK
    }

    /// Extra room allowed around the image in a multipart form (boundaries, part headers, the other fields).
    var multipartOverheadBytes: Int { 64 * 1024 }
}
