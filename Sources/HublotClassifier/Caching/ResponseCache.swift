import HublotAPI
import Synchronization

/// Answers of classifications kept for images sent again (Triton's response cache, for `/v1`
/// classify): keyed by the model, its version, the SHA-256 of the image's bytes and `top_k`; bounded in
/// bytes, least recently used evicted first. A hit skips decoding and inference. Entries of a version
/// are dropped when it is retired (replaced, unloaded, its folder removed); a new version never sees
/// them anyway, its key differs.
public final class ResponseCache: Sendable {
    /// What an answer is cached under.
    public struct Key: Hashable, Sendable {
        /// The model's name.
        public let model: String
        /// The version that computed the answer.
        public let version: String
        /// SHA-256 of the image's bytes.
        public let digest: SHA256Digest
        /// How many classes the answer holds.
        public let topK: Int

        /// The key of `image`'s answer by `model` at `version` with `topK` classes.
        public init(model: String, version: String, image: [UInt8], topK: Int) {
            self.init(model: model, version: version, digest: SHA256Digest(of: image), topK: topK)
        }

        /// The key of the image whose SHA-256 is `digest`.
        public init(model: String, version: String, digest: SHA256Digest, topK: Int) {
            self.model = model
            self.version = version
            self.digest = digest
            self.topK = topK
        }
    }

    /// What one entry is charged besides its strings and predictions: the entry and its index slot.
    public static let entryOverheadBytes = 160

    private let state: Mutex<ResponseCacheState<Key, [Prediction]>>

    /// An empty cache of `capacity` bytes.
    public init(capacity: Int) {
        self.state = Mutex(ResponseCacheState(capacity: capacity))
    }

    /// Most bytes the entries may take.
    public var capacity: Int { self.state.withLock { $0.capacity } }
    /// Bytes the entries take now (as charged by ``cost(of:for:)``).
    public var bytes: Int { self.state.withLock { $0.bytes } }
    /// Entries held.
    public var count: Int { self.state.withLock { $0.count } }

    /// The cached predictions for `key`, if any.
    public func predictions(for key: Key) -> [Prediction]? {
        self.state.withLock { $0.value(for: key) }
    }

    /// Caches `predictions` under `key`, evicting the least recently used entries past the capacity.
    public func store(_ predictions: [Prediction], for key: Key) {
        let cost = Self.cost(of: predictions, for: key)
        self.state.withLock { _ = $0.insert(predictions, for: key, cost: cost) }
    }

    /// Drops the entries of `model`'s `version`; returns how many.
    @discardableResult
    public func invalidate(model: String, version: String) -> Int {
        self.state.withLock { $0.removeAll { $0.model == model && $0.version == version } }
    }

    /// The bytes an entry is charged: its strings, its digest, its predictions (labels included) and
    /// ``entryOverheadBytes``.
    public static func cost(of predictions: [Prediction], for key: Key) -> Int {
        let labels = predictions.reduce(0) { $0 + $1.label.utf8.count }
        return Self.entryOverheadBytes + key.model.utf8.count + key.version.utf8.count + SHA256Digest.byteCount
            + predictions.count * MemoryLayout<Prediction>.stride + labels
    }
}
