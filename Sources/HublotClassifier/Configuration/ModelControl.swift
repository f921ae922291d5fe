/// Who decides which models are loaded while the server runs (`--model-control`, `HUBLOT_MODEL_CONTROL`),
/// as Triton's model control modes do.
public enum ModelControl: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The repository is scanned every poll interval: new folders are loaded, removed ones unloaded
    /// once their requests are answered, changed ones replaced without dropping a request.
    case poll
    /// Only the repository API (`/v2/repository/...`, `/v1/models/{name}/load|unload`) loads and unloads.
    case explicit
    /// The models found at start are loaded once; the repository API is refused.
    case none

    /// The mode's name, as the flag takes it.
    public var description: String { self.rawValue }
}
