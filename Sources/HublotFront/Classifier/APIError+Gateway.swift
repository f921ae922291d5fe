import HTTPTypes
import HublotHTTP

/// The errors the front adds to the classifier's (whose own errors are passed on unchanged).
extension APIError {
    /// 503 `classifier_unavailable`: the classifier cannot be reached.
    public static let classifierUnavailable = APIError(
        status: .serviceUnavailable, code: .classifierUnavailable,
        message: "The classification service is unavailable.", headers: [.retryAfter: "5"])
    /// 504 `classifier_timeout`: the classifier did not answer within the configured timeout.
    public static let classifierTimeout = APIError(
        status: .gatewayTimeout, code: .classifierTimeout, message: "The classification service did not answer in time.")
    /// 502 `bad_gateway`: the classifier answered something that is not its API.
    public static let badGateway = APIError(
        status: .badGateway, code: .badGateway, message: "The classification service sent an answer the front does not understand.")
    /// 400 `no_image`: the form carried no image.
    public static let noImage = APIError(status: .badRequest, code: .noImage, message: "Choose an image to classify.")
    /// 400 `no_model`: the compare form carried no model.
    public static let noModel = APIError(status: .badRequest, code: .noModel, message: "Choose at least one model.")

    /// 400 `too_many_models`: the form asks for more models than one comparison may use.
    public static func tooManyModels(limit: Int) -> APIError {
        APIError(status: .badRequest, code: .tooManyModels, message: "At most \(limit) models can be compared at once.")
    }
}
