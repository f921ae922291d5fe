/// Limits and shortcuts for image decoding: every limit on what one image may cost is here.
public struct DecodeOptions: Sendable, Equatable {
    /// The default pixel limit: 40 megapixels.
    public static let defaultMaxPixels = 40_000_000
    /// The default limit on the memory one decode takes at its peak: 128 MiB (a 40 MP 8-bit RGB
    /// image takes 120 MB; a 16-bit PNG or a CMYK JPEG takes more per pixel and is refused sooner).
    public static let defaultMaxDecodedBytes = 128 << 20
    /// The default limit on the scans of a JPEG: 100 (progressive JPEGs have about 10; each scan
    /// costs a pass over the whole image, so thousands of tiny scans are a CPU bomb).
    public static let defaultMaxJPEGScans = 100

    /// Images whose header announces more pixels (width × height) are refused before decoding.
    public var maxPixels: Int
    /// Images whose decoding would take more bytes at its peak (pixel buffers, 16 bits counting
    /// double) are refused before decoding.
    public var maxDecodedBytes: Int
    /// JPEGs with more scans are refused before decoding.
    public var maxJPEGScans: Int
    /// Decode large JPEGs at a reduced size in the DCT domain (libjpeg-turbo scaling), never below
    /// the size the model input needs. Faster, not bit-identical to TensorFlow; off by default.
    public var fastJPEGScaling: Bool

    /// Creates decoding options.
    public init(
        maxPixels: Int = DecodeOptions.defaultMaxPixels, maxDecodedBytes: Int = DecodeOptions.defaultMaxDecodedBytes,
        maxJPEGScans: Int = DecodeOptions.defaultMaxJPEGScans, fastJPEGScaling: Bool = false
    ) {
        self.maxPixels = maxPixels
        self.maxDecodedBytes = maxDecodedBytes
        self.maxJPEGScans = maxJPEGScans
        self.fastJPEGScaling = fastJPEGScaling
    }

    /// Checks a header against the pixel and byte limits, before any pixel buffer exists: throws
    /// ``HublotError/Kind/tooManyPixels`` when `width × height` or the decode's peak bytes exceed them.
    func check(_ header: ImageHeader) throws(HublotError) {
        let name = header.format.rawValue.uppercased()
        let (pixels, overflow) = header.width.multipliedReportingOverflow(by: header.height)
        if overflow || pixels > self.maxPixels {
            throw HublotError(
                .tooManyPixels,
                "the \(name) header announces \(header.width)×\(header.height) pixels, more than the limit of \(self.maxPixels) (\(Double(self.maxPixels) / 1e6) megapixels)")
        }
        if header.decodedBytes > self.maxDecodedBytes {
            throw HublotError(
                .tooManyPixels,
                "decoding this \(header.width)×\(header.height) \(name) (\(header.bytesPerPixel) bytes per pixel at its peak) takes \(header.decodedBytes >> 20) MiB, more than the limit of \(self.maxDecodedBytes >> 20) MiB")
        }
    }
}
