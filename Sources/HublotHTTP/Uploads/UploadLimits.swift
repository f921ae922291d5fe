/// The limits on an uploaded image that both servers apply by default, defined once (the front refuses
/// larger uploads before they reach the classifier, the classifier refuses them on its own).
public enum UploadLimits {
    /// The largest image upload, in bytes: 20 MiB.
    public static let defaultMaxBytes = 20 * 1024 * 1024
}
