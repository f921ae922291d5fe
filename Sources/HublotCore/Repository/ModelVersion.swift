/// Which version of a model a repository folder holds, as the model server tells them apart.
///
/// hublot-init writes `version` in `model.json` (1 at the first prepare, +1 each time a re-prepare
/// publishes a different `model.onnx`); older repositories have only the ONNX file's SHA-256. Two
/// folders hold the same version when both agree; the API reports ``label``.
public struct ModelVersion: Sendable, Hashable, CustomStringConvertible {
    /// The version the API reports: `model.json`'s `version`, else the first 12 hex digits of the
    /// ONNX file's SHA-256, else "1".
    public let label: String
    /// What identifies the version: the label with the full SHA-256 (two prepares of different ONNX
    /// files never look the same even when `version` was not bumped by hand-made folders).
    public let identity: String

    /// The version described by `metadata`.
    public init(metadata: ModelMetadata) {
        let sha = metadata.onnx.sha256 ?? ""
        if let version = metadata.version {
            self.label = String(version)
        } else if !sha.isEmpty {
            self.label = String(sha.prefix(12))
        } else {
            self.label = "1"
        }
        self.identity = "\(self.label)/\(sha)"
    }

    /// A version with an explicit label and identity (tests, and folders whose metadata is unreadable).
    public init(label: String, identity: String) {
        self.label = label
        self.identity = identity
    }

    /// The label.
    public var description: String { self.label }
}
