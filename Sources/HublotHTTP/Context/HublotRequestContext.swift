import Hummingbird
import Synchronization

/// Per-request facts that a route hands back to the middleware (for example the model it used),
/// so the access log and metrics can report them. A reference shared by every copy of the context.
public final class RequestAnnotations: Sendable {
    private let modelName = Mutex<String?>(nil)

    /// Creates empty annotations.
    public init() {}

    /// The model this request used, if any; set by the route, read by the access log.
    public var model: String? {
        get { self.modelName.withLock { $0 } }
        set { self.modelName.withLock { $0 = newValue } }
    }
}

/// A request context that carries ``RequestAnnotations``; the access-log middleware needs one.
public protocol AnnotatedRequestContext: RequestContext {
    /// Facts the route records for the middleware (model name, …).
    var annotations: RequestAnnotations { get }
}

/// The request context both Hublot servers use: Hummingbird's core storage plus ``RequestAnnotations``.
public struct HublotRequestContext: AnnotatedRequestContext {
    /// Hummingbird's core context storage (logger, route parameters, endpoint path).
    public var coreContext: CoreRequestContextStorage
    /// Facts the route records for the middleware.
    public let annotations: RequestAnnotations

    /// Creates the context for one request (called by Hummingbird).
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.annotations = RequestAnnotations()
    }
}
