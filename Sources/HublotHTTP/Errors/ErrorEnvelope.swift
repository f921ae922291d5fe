/// `{"error": {"code", "message"}}`: the error body of the Hublot API (classifier `/v1` and front), the
/// one declaration used to encode it (``APIError``) and to decode it (the front reading the classifier).
public struct ErrorEnvelope: Codable, Sendable, Equatable {
    /// The error itself.
    public struct Detail: Codable, Sendable, Equatable {
        /// A stable machine-readable code, e.g. `invalid_image`.
        public var code: APIError.Code
        /// An English sentence for developers.
        public var message: String
    }

    /// The error.
    public var error: Detail

    /// The envelope of `error`.
    public init(_ error: APIError) {
        self.error = Detail(code: error.code, message: error.message)
    }
}

/// `{"error": "message"}`: the error body of the Open Inference Protocol (the classifier's `/v2` routes).
public struct OpenInferenceError: Codable, Sendable, Equatable {
    /// The message.
    public var error: String
}
