import HublotAPI

/// The JSON shapes of hublot-classifier's `/v1` API that the front reads (see docs/architecture.md).
public enum ClassifierAPI {
    /// `GET /v1/models` (HublotAPI's, shared with the classifier).
    public typealias ModelList = HublotAPI.ModelList
    /// One model as the classifier describes it.
    public typealias Model = HublotAPI.Model
    /// `POST /v1/models/{name}/classify`.
    public typealias Classification = HublotAPI.Classification
    /// One predicted class.
    public typealias Prediction = HublotAPI.Prediction
    /// Server-side timings in milliseconds.
    public typealias Timings = HublotAPI.Timings
    /// `POST /v1/models/{name}/explain`.
    public typealias Explanation = HublotAPI.Explanation
    /// The occlusion map of one class.
    public typealias OcclusionMap = HublotAPI.OcclusionMap
}
