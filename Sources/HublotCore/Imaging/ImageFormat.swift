/// An image container format, recognised from its first bytes (never from a file name).
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    /// JPEG (JFIF / Exif), decoded with libjpeg-turbo's TurboJPEG API.
    case jpeg
    /// PNG, decoded with libspng.
    case png

    /// The format the bytes start with, or `nil` when they are neither JPEG nor PNG.
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        return nil
    }

    /// A short guess at what unsupported bytes are, for error messages ("GIF", "text", …).
    static func describeUnsupported(_ bytes: UnsafeRawBufferPointer) -> String {
        let known: [(prefix: [UInt8], name: String)] = [
            (Array("GIF8".utf8), "a GIF image"), (Array("BM".utf8), "a BMP image"),
            ([0x49, 0x49, 0x2A, 0x00], "a TIFF image"), ([0x4D, 0x4D, 0x00, 0x2A], "a TIFF image"),
            (Array("%PDF".utf8), "a PDF document"), ([0x00, 0x00, 0x01, 0x00], "an ICO image"),
        ]
        for entry in known where bytes.starts(with: entry.prefix) { return entry.name }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)),
            Array(bytes[8..<12]) == Array("WEBP".utf8)
        {
            return "a WebP image"
        }
        if bytes.count >= 12, Array(bytes[4..<8]) == Array("ftyp".utf8) { return "an HEIF/AVIF image" }
        let head = bytes.prefix(512)
        let printable = head.allSatisfy { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20..<0x7F).contains($0) || $0 >= 0x80 }
        return printable ? "text" : "unknown binary data"
    }
}
