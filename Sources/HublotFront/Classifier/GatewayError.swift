import HTTPTypes

/// Why a request through the gateway did not produce a classification.
public struct GatewayError: Error, Sendable, Equatable {
    /// The HTTP status to answer with.
    public var status: HTTPResponse.Status
    /// A stable code; the classifier's own codes are kept, the front adds `classifier_unavailable`,
    /// `classifier_timeout`, `payload_too_large`, `no_image`, `no_model` and `bad_gateway`.
    public var code: String
    /// An English sentence for developers (pages show a translated one chosen by `code`).
    public var message: String
    /// Seconds after which a retry may succeed, when known.
    public var retryAfter: String?

    /// Creates an error.
    public init(status: HTTPResponse.Status, code: String, message: String, retryAfter: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    /// The classifier cannot be reached.
    public static let unavailable = GatewayError(
        status: .serviceUnavailable, code: "classifier_unavailable",
        message: "The classification service is unavailable.", retryAfter: "5")
    /// The classifier did not answer within the configured timeout.
    public static let timeout = GatewayError(
        status: .gatewayTimeout, code: "classifier_timeout",
        message: "The classification service did not answer in time.")
    /// The classifier answered something that is not its API.
    public static let badGateway = GatewayError(
        status: .badGateway, code: "bad_gateway",
        message: "The classification service sent an answer the front does not understand.")
    /// The form carried no image.
    public static let noImage = GatewayError(
        status: .badRequest, code: "no_image", message: "Choose an image to classify.")
    /// The compare form carried no model.
    public static let noModel = GatewayError(
        status: .badRequest, code: "no_model", message: "Choose at least one model.")

    /// The upload is larger than the limit.
    public static func tooLarge(limit: Int) -> GatewayError {
        GatewayError(
            status: .contentTooLarge, code: "payload_too_large",
            message: "The upload is larger than the limit of \(limit) bytes.")
    }
}
