import GRPCCore
import GRPCProtobuf
import HublotHTTP

extension APIError {
    /// The gRPC status of this error: the one place HTTP errors become gRPC ones. A refusal to retry later
    /// (503 `overloaded`: RESOURCE_EXHAUSTED; 503 `model_not_ready`: UNAVAILABLE) carries its
    /// `Retry-After` as a `google.rpc.RetryInfo` detail (`grpc-status-details-bin`).
    public var grpcStatus: GoogleRPCStatus {
        // 499: the client went away (a cancelled call).
        let code = self.status.code == 499 ? .cancelled : Self.grpcCode(self.code)
        guard code == .resourceExhausted || code == .unavailable, let delay = self.headers[.retryAfter].flatMap(Int.init) else {
            return GoogleRPCStatus(code: code, message: self.message, details: [])
        }
        return GoogleRPCStatus(code: code, message: self.message, details: .retryInfo(delay: .seconds(delay)))
    }

    /// The gRPC code of an error code.
    private static func grpcCode(_ code: Code) -> RPCError.Code {
        switch code {
        case .badRequest, .unsupportedMediaType, .invalidImage, .tooManyPixels, .noImage, .noModel, .tooManyModels: .invalidArgument
        case .unknownModel, .notFound: .notFound
        case .payloadTooLarge, .overloaded: .resourceExhausted
        case .modelNotReady, .classifierUnavailable: .unavailable
        case .modelControl, .modelLoadFailed, .methodNotAllowed: .failedPrecondition
        case .requestTimeout, .classifierTimeout: .deadlineExceeded
        case .internal, .httpError, .badGateway: .internalError
        }
    }
}
