/// One model as the classifier describes it (`GET /v1/models/{name}`). Without `status` it is the
/// summary read from `model.json`; `family`, `handle`, `input` and `classes` are absent only when
/// `model.json` is unreadable, `reason` only when the model failed, is unavailable or its replacement failed.
public struct Model: Codable, Sendable, Equatable {
    /// An input size.
    public struct Input: Codable, Sendable, Equatable {
        /// Height in pixels.
        public var height: Int
        /// Width in pixels.
        public var width: Int

        /// Creates an input size.
        public init(height: Int, width: Int) {
            self.height = height
            self.width = width
        }
    }

    /// Its unique name (its folder), used in URLs.
    public var name: String
    /// Its family (efficientnet, mobilenet, …).
    public var family: String?
    /// The TF Hub handle it was prepared from.
    public var handle: String?
    /// Its input size.
    public var input: Input?
    /// Number of output classes.
    public var classes: Int?
    /// `loading`, `ready`, `failed` or `unavailable` (absent in a bare summary).
    public var status: String?
    /// The version serving (else the one loading or last tried), from `model.json` (absent in a bare summary).
    public var version: String?
    /// Why it failed or is unavailable; beside `ready`, why the last replacement failed (the old version serves).
    public var reason: String?
    /// `fp32`, or `int8` for a quantized model (absent when `model.json` does not say: fp32).
    public var precision: String?
    /// For a quantized model, the fp32 model it was made from (the site lists them side by side).
    public var sourceModel: String?
    /// Something to know before relying on it, e.g. an int8 model on a CPU without an int8 dot-product
    /// instruction (slower, maybe less accurate than its fp32 model).
    public var warning: String?

    enum CodingKeys: String, CodingKey {
        case name, family, handle, input, classes, status, version, reason, precision, warning
        case sourceModel = "source_model"
    }

    /// Creates a model description.
    public init(
        name: String, family: String? = nil, handle: String? = nil, input: Input? = nil, classes: Int? = nil,
        status: String? = nil, version: String? = nil, reason: String? = nil, precision: String? = nil,
        sourceModel: String? = nil, warning: String? = nil
    ) {
        self.precision = precision
        self.sourceModel = sourceModel
        self.warning = warning
        self.version = version
        self.name = name
        self.family = family
        self.handle = handle
        self.input = input
        self.classes = classes
        self.status = status
        self.reason = reason
    }
}

/// `GET /v1/models`: the default model and every model.
public struct ModelList: Codable, Sendable, Equatable {
    /// The model used when a request names none.
    public var `default`: String?
    /// Every model of the repository, in listing order.
    public var models: [Model]

    /// Creates a list.
    public init(default: String?, models: [Model]) {
        self.default = `default`
        self.models = models
    }
}
