/// The pixel-count guard applied to a header before any pixel buffer exists.
enum PixelLimit {
    /// Throws ``HublotError/Kind/tooManyPixels`` when `width × height` exceeds the limit.
    static func check(width: Int, height: Int, format: ImageFormat, options: DecodeOptions) throws(HublotError) {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > options.maxPixels {
            throw HublotError(
                .tooManyPixels,
                "the \(format.rawValue.uppercased()) header announces \(width)×\(height) pixels, more than the limit of \(options.maxPixels) (\(Double(options.maxPixels) / 1e6) megapixels)")
        }
    }
}
