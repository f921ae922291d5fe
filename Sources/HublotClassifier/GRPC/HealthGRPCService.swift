import GRPCCore
import OpenInferenceGRPC
import ServiceLifecycle

/// gRPC's standard health service (`grpc.health.v1.Health`), what Kubernetes' gRPC probes and
/// grpc_health_probe ask: the server (`""`) and `inference.GRPCInferenceService` are SERVING once the
/// default model is ready, NOT_SERVING before (as `/v2/health/ready`); another service name is NOT_FOUND
/// (Check) or SERVICE_UNKNOWN (Watch).
public struct HealthGRPCService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    /// Where readiness comes from.
    public let inference: OpenInferenceService
    /// How often Watch samples the status to send its changes.
    public let watchInterval: Duration
    /// The service names this server knows.
    public static let services = ["", Inference_GRPCInferenceService.descriptor.fullyQualifiedService]

    /// Creates the service.
    public init(inference: OpenInferenceService, watchInterval: Duration = .seconds(1)) {
        self.inference = inference
        self.watchInterval = watchInterval
    }

    private var status: Grpc_Health_V1_HealthCheckResponse.ServingStatus {
        self.inference.serverReady ? .serving : .notServing
    }

    public func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard Self.services.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'; this server has \(Self.services.map { "'\($0)'" }.joined(separator: ", "))")
        }
        return .with { $0.status = self.status }
    }

    public func list(request: Grpc_Health_V1_HealthListRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthListResponse {
        let status = self.status
        return .with {
            $0.statuses = Dictionary(uniqueKeysWithValues: Self.services.map { name in (name, .with { $0.status = status }) })
        }
    }

    /// Sends the status, then each change of it, until the client goes away; on the server's graceful
    /// shutdown, NOT_SERVING and the end of the stream (a watch must not hold the shutdown up). The registry
    /// has no change notification for "any model's readiness", so the status is sampled every
    /// `watchInterval`: a change reaches the watcher within that time.
    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>, context: ServerContext
    ) async throws {
        guard Self.services.contains(request.service) else {
            try await response.write(.with { $0.status = .serviceUnknown })
            return
        }
        try? await cancelWhenGracefulShutdown {
            var sent: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
            while !Task.isCancelled {
                let status = self.status
                if status != sent {
                    try await response.write(.with { $0.status = status })
                    sent = status
                }
                // A sampling period, not synchronisation: nothing waits on this sleep.
                try await Task.sleep(for: self.watchInterval)
            }
        }
        if Task.isShuttingDownGracefully {
            try await response.write(.with { $0.status = .notServing })
        }
    }
}
