import NIOCore

/// Thrown while streaming an upload once more bytes than allowed have arrived.
public struct UploadLimitExceeded: Error, Sendable {
    /// The limit in bytes.
    public let limit: Int
}

/// Passes a request body through unchanged, failing as soon as it grows past `limit` bytes,
/// so an upload of unknown length is cut off without being buffered.
public struct LimitedBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    /// The chunks of the body.
    public typealias Element = ByteBuffer

    let base: Base
    let limit: Int

    /// Wraps `base`.
    public init(_ base: Base, limit: Int) {
        self.base = base
        self.limit = limit
    }

    /// Iterates over the chunks, counting bytes.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let limit: Int
        var received = 0

        /// The next chunk, or `UploadLimitExceeded`.
        public mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            received += chunk.readableBytes
            if received > limit { throw UploadLimitExceeded(limit: limit) }
            return chunk
        }
    }

    /// Starts iterating.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit)
    }
}
