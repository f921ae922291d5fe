/// Decodes JPEG and PNG bytes to RGB pixels, refusing what it cannot or should not decode.
///
/// The format comes from the magic bytes, never from a file name. The pixel
/// limit is checked on the header before any pixel buffer is allocated.
public struct ImageDecoder: Sendable {
    /// Limits and shortcuts.
    public var options: DecodeOptions

    /// Creates a decoder.
    public init(options: DecodeOptions = .init()) {
        self.options = options
    }

    /// Reads only the header: format and size. Throws for empty, unsupported and corrupt headers.
    public func header(_ bytes: UnsafeRawBufferPointer) throws(HublotError) -> ImageHeader {
        switch try format(of: bytes) {
        case .jpeg:
            try JPEGDecoder.header(bytes)
        case .png:
            try PNGDecoder.header(bytes)
        }
    }

    /// Decodes the image. With ``DecodeOptions/fastJPEGScaling`` a JPEG may come out smaller,
    /// but never smaller than `minimumSize`.
    public func decode(
        _ bytes: UnsafeRawBufferPointer, minimumSize: (width: Int, height: Int)? = nil
    ) throws(HublotError) -> DecodedImage {
        switch try format(of: bytes) {
        case .jpeg: try JPEGDecoder.decode(bytes, options: options, minimumSize: minimumSize)
        case .png: try PNGDecoder.decode(bytes, options: options)
        }
    }

    /// Decodes an image held in an array.
    public func decode(_ bytes: [UInt8], minimumSize: (width: Int, height: Int)? = nil) throws(HublotError) -> DecodedImage {
        try rethrowingHublotError { try bytes.withUnsafeBytes { raw in try decode(raw, minimumSize: minimumSize) } }
    }

    private func format(of bytes: UnsafeRawBufferPointer) throws(HublotError) -> ImageFormat {
        guard !bytes.isEmpty else {
            throw HublotError(.emptyImage, "the image is empty (0 bytes)")
        }
        guard let format = ImageFormat.detect(bytes) else {
            throw HublotError(
                .unsupportedImageFormat,
                "unsupported image format: the data looks like \(ImageFormat.describeUnsupported(bytes)); supported formats: \(HublotError.supportedImageFormats)")
        }
        return format
    }
}
