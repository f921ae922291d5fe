/// Limits and shortcuts for image decoding.
public struct DecodeOptions: Sendable, Equatable {
    /// The default pixel limit: 40 megapixels.
    public static let defaultMaxPixels = 40_000_000

    /// Images whose header announces more pixels (width × height) are refused before decoding.
    public var maxPixels: Int
    /// Decode large JPEGs at a reduced size in the DCT domain (libjpeg-turbo scaling), never below
    /// the size the model input needs. Faster, not bit-identical to TensorFlow; off by default.
    public var fastJPEGScaling: Bool

    /// Creates decoding options.
    public init(maxPixels: Int = DecodeOptions.defaultMaxPixels, fastJPEGScaling: Bool = false) {
        self.maxPixels = maxPixels
        self.fastJPEGScaling = fastJPEGScaling
    }
}
