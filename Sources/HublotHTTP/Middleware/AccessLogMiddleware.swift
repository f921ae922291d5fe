import Hummingbird
import Logging

/// Writes ONE structured log line per request, after the response is produced: method, path, status,
/// model (from ``RequestAnnotations``, when the route set one), duration in milliseconds; the request id
/// is the logger's `hb.request.id` metadata (set by ``RequestIDMiddleware``).
/// Hummingbird's `LogRequestsMiddleware` logs before the request runs and has no status or duration,
/// hence this one. Place it inside ``RequestIDMiddleware`` so the id is the final one.
public struct AccessLogMiddleware<Context: AnnotatedRequestContext>: RouterMiddleware {
    /// Level of the access-log line.
    public let level: Logger.Level

    /// Creates the middleware; lines are logged at `level` (default `.info`).
    public init(level: Logger.Level = .info) {
        self.level = level
    }

    /// Runs the chain and logs the outcome.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            self.log(request, context: context, status: response.status, since: start)
            return response
        } catch {
            self.log(request, context: context, status: APIError.from(error).status, since: start)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(status.code),
            "duration_ms": .string(String(format: "%.2f", milliseconds)),
        ]
        if let model = context.annotations.model {
            metadata["model"] = .string(model)
        }
        context.logger.log(level: self.level, "request", metadata: metadata)
    }
}
