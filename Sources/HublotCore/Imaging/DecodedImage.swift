/// Decoded pixels, always three interleaved channels (RGB), row-major, no padding.
public struct DecodedImage: Sendable {
    /// Pixel storage: 8 bits per channel, or 16 bits for 16-bit PNGs.
    public enum Pixels: Sendable {
        /// 8-bit RGB, `width * height * 3` values.
        case rgb8([UInt8])
        /// 16-bit RGB, `width * height * 3` values.
        case rgb16([UInt16])
    }

    /// The container format the pixels came from.
    public let format: ImageFormat
    /// Width of `pixels` (smaller than ``originalWidth`` after JPEG DCT scaling).
    public let width: Int
    /// Height of `pixels`.
    public let height: Int
    /// Width announced by the file header.
    public let originalWidth: Int
    /// Height announced by the file header.
    public let originalHeight: Int
    /// The pixels.
    public let pixels: Pixels

    /// Creates an image from RGB pixels.
    public init(format: ImageFormat, width: Int, height: Int, originalWidth: Int? = nil, originalHeight: Int? = nil, pixels: Pixels) {
        self.format = format
        self.width = width
        self.height = height
        self.originalWidth = originalWidth ?? width
        self.originalHeight = originalHeight ?? height
        self.pixels = pixels
    }
}

/// What a header says: format, size, and what decoding it costs in memory.
public struct ImageHeader: Sendable, Equatable {
    /// The container format.
    public let format: ImageFormat
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Bytes per pixel that the decoder holds at its peak (e.g. 3 for RGB8; 14 for a 16-bit PNG:
    /// RGBA16 from libspng plus the RGB16 copy; 7 for a CMYK JPEG).
    public let bytesPerPixel: Int

    /// Creates a header.
    public init(format: ImageFormat, width: Int, height: Int, bytesPerPixel: Int = 3) {
        self.format = format
        self.width = width
        self.height = height
        self.bytesPerPixel = bytesPerPixel
    }

    /// Bytes the decode takes at its peak (saturating: a header can announce anything).
    public var decodedBytes: Int {
        let (pixels, o1) = self.width.multipliedReportingOverflow(by: self.height)
        let (bytes, o2) = pixels.multipliedReportingOverflow(by: self.bytesPerPixel)
        return o1 || o2 ? Int.max : bytes
    }
}
