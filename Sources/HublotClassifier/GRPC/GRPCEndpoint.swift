import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import NIOCore
import ServiceLifecycle

/// The gRPC server of the model server (HTTP/2 over TCP, plaintext): the inference and health services
/// on `host:port`, requests up to the HTTP limit (`--max-body-bytes`), every call counted in
/// `hublot_grpc_requests_total`. A ServiceLifecycle service: on graceful shutdown it stops accepting calls
/// and returns once those in flight are answered; the application runs it before the models' service, so
/// that the batch queues drain only after it.
public final class GRPCEndpoint: Service, Sendable {
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let logger: Logger
    private let endpoint: String

    /// Creates the server; `host` is resolved now (an address or a name), the port bound by `run()` (0 picks a free one).
    public init(host: String, port: Int, maxMessageBytes: Int, services: [any RegistrableRPCService], metrics: ClassifierMetrics, logger: Logger) throws {
        let resolved = try NIOCore.SocketAddress.makeAddressResolvingHost(host, port: port)
        let address: GRPCNIOTransportCore.SocketAddress =
            switch resolved {
            case .v6: .ipv6(host: resolved.ipAddress ?? "::", port: port)
            default: .ipv4(host: resolved.ipAddress ?? "0.0.0.0", port: port)
            }
        let transport = HTTP2ServerTransport.Posix(
            address: address, transportSecurity: .plaintext,
            config: .defaults {
                $0.rpc.maxRequestPayloadSize = maxMessageBytes
                // HTTP/2 flow control: with the default 64 KiB window a client sending a 600 KB tensor waits
                // for a WINDOW_UPDATE every 64 KiB; a window of one largest request lets it send at once.
                $0.http2.targetWindowSize = min(max(maxMessageBytes, 1 << 16), Int(Int32.max))
                $0.http2.maxFrameSize = Self.maxFrameSize
            })
        self.server = GRPCServer(transport: transport, services: services, interceptors: [GRPCMetricsInterceptor(metrics: metrics)])
        self.logger = logger
        self.endpoint = "\(host):\(port)"
    }

    /// The largest HTTP/2 frame the server accepts (HTTP/2's ceiling is 2^24 - 1): fewer frames per large tensor.
    static let maxFrameSize = 1 << 20

    /// The TCP port the server listens on, once it does (throws when it could not bind or has stopped).
    public var listeningPort: Int {
        get async throws {
            let address = try await self.server.transport.listeningAddress
            guard let port = address.ipv4?.port ?? address.ipv6?.port else {
                throw RuntimeError(code: .serverIsStopped, message: "the gRPC server listens on \(address), not on a TCP port")
            }
            return port
        }
    }

    /// Serves until graceful shutdown, then lets the calls in flight finish.
    public func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { try await self.server.serve() }
                    let address = try await self.server.transport.listeningAddress
                    self.logger.info("gRPC server listening", metadata: ["address": "\(address)"])
                }
            } onGracefulShutdown: {
                self.server.beginGracefulShutdown()
            }
        } catch {
            let cause = (error as? RuntimeError)?.cause.map { "\($0)" } ?? "\(error)"
            self.logger.error(
                "gRPC server stopped: cannot serve on \(self.endpoint) (--grpc-port N chooses another port, 0 turns gRPC off)",
                metadata: ["error": "\(cause)"])
            throw error
        }
    }
}

/// Counts every gRPC call by method and status code, with its duration, and the calls in progress (until
/// the answer starts: the whole call for a unary one).
struct GRPCMetricsInterceptor: ServerInterceptor {
    let metrics: ClassifierMetrics

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let started = ContinuousClock.now
        let method = context.descriptor.fullyQualifiedMethod
        self.metrics.trackGRPCCall(method: method, delta: 1)
        defer { self.metrics.trackGRPCCall(method: method, delta: -1) }
        do {
            let response = try await next(request, context)
            let code: String
            switch response.accepted {
            case .success: code = "ok"
            case .failure(let error): code = String(describing: error.code)
            }
            self.metrics.recordGRPCCall(method: method, code: code, duration: ContinuousClock.now - started)
            return response
        } catch {
            let code = (error as? any RPCErrorConvertible)?.rpcErrorCode ?? (error as? RPCError)?.code ?? .unknown
            self.metrics.recordGRPCCall(method: method, code: String(describing: code), duration: ContinuousClock.now - started)
            throw error
        }
    }
}
