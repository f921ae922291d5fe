import Prometheus

/// The model server's own Prometheus metrics (request metrics by route/method/status come from
/// HublotHTTP's `HTTPMetricsMiddleware`, in the same registry). Registered directly in the registry the
/// application is given, so each application a test builds has its own.
public struct ClassifierMetrics: Sendable {
    /// The registry the metrics live in.
    public let registry: PrometheusCollectorRegistry

    /// Buckets of the batch size histogram.
    public static let batchSizeBuckets: [Double] = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64]
    /// Buckets of the duration histograms.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(50),
        .milliseconds(100), .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
    ]

    /// The name `hublot_<name>_<unit>` with its help text.
    static func descriptor(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hublot", metricName: name, unitName: unit, helpText: help)
    }

    /// Creates the metrics in `registry`.
    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Counts one classification/inference request by model and HTTP status.
    public func recordRequest(model: String, status: Int, duration: Duration) {
        self.registry.makeCounter(descriptor: Self.descriptor("classify_requests", unit: "total", help: "Classification and inference requests by model and HTTP status."), labels: [("model", model), ("status", String(status))]).increment()
        self.registry.makeDurationHistogram(descriptor: Self.descriptor("classify_duration", unit: "seconds", help: "Time from the start of a classification request to its answer."), labels: [("model", model)], buckets: Self.durationBuckets).record(duration)
    }

    /// Records one ONNX Runtime batch: its size and its duration.
    public func recordBatch(model: String, size: Int, inference: Duration) {
        self.registry.makeValueHistogram(descriptor: Self.descriptor("batch_size", unit: "", help: "Images per ONNX Runtime call."), labels: [("model", model)], buckets: Self.batchSizeBuckets).record(Double(size))
        self.registry.makeDurationHistogram(descriptor: Self.descriptor("inference_duration", unit: "seconds", help: "Duration of one ONNX Runtime call (one batch)."), labels: [("model", model)], buckets: Self.durationBuckets).record(inference)
    }

    /// Records the time an image waited in its model's queue.
    public func recordQueueWait(model: String, duration: Duration) {
        self.registry.makeDurationHistogram(descriptor: Self.descriptor("queue_wait", unit: "seconds", help: "Time an image waited in the batch queue before its batch started."), labels: [("model", model)], buckets: Self.durationBuckets).record(duration)
    }

    /// Sets the queue depth gauge of a model.
    public func setQueueDepth(model: String, depth: Int) {
        self.registry.makeGauge(descriptor: Self.descriptor("queue_depth", unit: "", help: "Images waiting in the batch queue of a model."), labels: [("model", model)]).set(to: Double(depth))
    }

    /// Counts one explanation request by model and HTTP status, its duration, and the images it ran.
    public func recordExplanation(model: String, status: Int, duration: Duration, images: Int) {
        self.registry.makeCounter(descriptor: Self.descriptor("explain_requests", unit: "total", help: "Explanation (occlusion map) requests by model and HTTP status."), labels: [("model", model), ("status", String(status))]).increment()
        self.registry.makeDurationHistogram(descriptor: Self.descriptor("explain_duration", unit: "seconds", help: "Time from the start of an explanation request to its answer."), labels: [("model", model)], buckets: Self.explainDurationBuckets).record(duration)
        if images > 0 {
            self.registry.makeCounter(descriptor: Self.descriptor("explain_images", unit: "total", help: "Images (photos and their occluded variants) run for explanations."), labels: [("model", model)]).increment(by: Int64(images))
        }
    }

    /// Counts an explanation refused because as many as the server computes at once were running.
    public func recordExplanationRejection(model: String) {
        self.registry.makeCounter(descriptor: Self.descriptor("explain_rejections", unit: "total", help: "Explanations refused with 503 because the most the server computes at once were running."), labels: [("model", model)]).increment()
    }

    /// Buckets of the explanation duration histogram (a map is tens of images).
    public static let explainDurationBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Counts one response cache lookup by outcome (`hit`, `miss`) and sets the cache's size gauges.
    public func recordCacheLookup(model: String, hit: Bool, cache: ResponseCache) {
        self.registry.makeCounter(descriptor: Self.descriptor("response_cache_lookups", unit: "total", help: "Response cache lookups by model and outcome (hit, miss)."), labels: [("model", model), ("outcome", hit ? "hit" : "miss")]).increment()
        self.setCacheSize(cache)
    }

    /// Sets the response cache's size gauges.
    public func setCacheSize(_ cache: ResponseCache) {
        self.registry.makeGauge(descriptor: Self.descriptor("response_cache", unit: "bytes", help: "Bytes the response cache's entries are charged.")).set(to: Double(cache.bytes))
        self.registry.makeGauge(descriptor: Self.descriptor("response_cache_entries", unit: "", help: "Answers in the response cache.")).set(to: Double(cache.count))
    }

    /// Counts a request refused because the queue was full.
    public func recordRejection(model: String) {
        self.registry.makeCounter(descriptor: Self.descriptor("queue_rejections", unit: "total", help: "Images refused with 503 because the queue of the model was full."), labels: [("model", model)]).increment()
    }

    /// Buckets of the model load duration histogram.
    public static let loadDurationBuckets: [Duration] = [
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// Counts one load of a model by outcome (`success`, `failure`, `refused` by the memory budget or
    /// shutdown) and records how long a load that ran took.
    public func recordLoad(model: String, outcome: String, duration: Duration?) {
        self.registry.makeCounter(descriptor: Self.descriptor("model_loads", unit: "total", help: "Model loads by model and outcome (success, failure, refused)."), labels: [("model", model), ("outcome", outcome)]).increment()
        if let duration {
            self.registry.makeDurationHistogram(descriptor: Self.descriptor("model_load_duration", unit: "seconds", help: "Time to load and warm one version of a model."), labels: [("model", model)], buckets: Self.loadDurationBuckets).record(duration)
        }
    }

    /// Counts one version of a model taken out of service (unloaded, replaced, its folder removed).
    public func recordUnload(model: String) {
        self.registry.makeCounter(descriptor: Self.descriptor("model_unloads", unit: "total", help: "Versions of a model taken out of service (unloaded, replaced or removed)."), labels: [("model", model)]).increment()
    }

    /// Records whether a model is ready and how many are.
    public func setModelReady(_ model: String, ready: Bool, loaded: Int) {
        self.registry.makeGauge(descriptor: Self.descriptor("model_ready", unit: "", help: "1 when the model serves, else 0."), labels: [("model", model)]).set(to: ready ? 1 : 0)
        self.registry.makeGauge(descriptor: Self.descriptor("models_loaded", unit: "", help: "Models ready to serve.")).set(to: Double(loaded))
    }

    /// Counts one gRPC call by method (`inference.GRPCInferenceService/ModelInfer`) and status code name
    /// (`ok`, `invalidArgument`, …), and records its duration: the gRPC counterpart of the HTTP request metrics.
    /// Counts a gRPC call in progress (`delta` 1 when it starts, -1 when its answer starts).
    public func trackGRPCCall(method: String, delta: Int) {
        let gauge = self.registry.makeGauge(descriptor: Self.descriptor("grpc_active_requests", unit: "", help: "gRPC calls in progress, by method."), labels: [("method", method)])
        if delta >= 0 { gauge.increment(by: Double(delta)) } else { gauge.decrement(by: Double(-delta)) }
    }

    public func recordGRPCCall(method: String, code: String, duration: Duration) {
        self.registry.makeCounter(descriptor: Self.descriptor("grpc_requests", unit: "total", help: "gRPC calls by method and status code."), labels: [("method", method), ("code", code)]).increment()
        self.registry.makeDurationHistogram(descriptor: Self.descriptor("grpc_request_duration", unit: "seconds", help: "Time from a gRPC call's start to its answer."), labels: [("method", method)], buckets: Self.durationBuckets).record(duration)
    }
}
