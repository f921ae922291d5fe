import Hummingbird
import HublotHTTP
import NIOCore

/// Receives an upload completely, bounded in size, time and memory, before anything is forwarded: a slow
/// or stalled client costs the front one budgeted buffer, never a connection to the classifier, and the
/// body is read only by the handler that answers it.
struct UploadReceiver: Sendable {
    let budget: UploadBudget
    let configuration: FrontConfiguration

    /// Reads the body of `request` into memory and runs `use` with it, holding the upload's share of the
    /// budget meanwhile. Throws 413 past the limit, 408 when the body is too slow, 503 when the budget is spent.
    func receive<T>(_ request: Request, _ use: (ByteBuffer) async throws -> T) async throws -> T {
        let contentType = request.headers[.contentType]
        let limit = configuration.bodyLimit(contentType: contentType)
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        do {
            if let declared, declared > limit {
                // Always 413, before any budget is taken (reading the rest of a `Connection: close` body first).
                _ = try await RequestBodyReader.collect(request, limit: limit, timeout: configuration.bodyTimeout)
            }
            return try await budget.withReservation(of: configuration.uploadShare(declaredLength: declared, contentType: contentType)) {
                try await use(try await RequestBodyReader.collect(request, limit: limit, timeout: configuration.bodyTimeout))
            }
        } catch let error as APIError where error.code == .payloadTooLarge {
            throw APIError.payloadTooLarge(limit: configuration.maxUploadBytes)
        }
    }
}
