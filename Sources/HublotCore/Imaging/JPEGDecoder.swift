import CTurboJPEG

/// JPEG decoding through libjpeg-turbo's TurboJPEG API (accurate integer DCT, fancy upsampling,
/// as TensorFlow's and Pillow's decoders). EXIF orientation is ignored, as `tf.io.decode_image` does.
enum JPEGDecoder {
    /// Reads the header: format, size and peak decode bytes. No pixel buffer is allocated.
    static func header(_ bytes: UnsafeRawBufferPointer) throws(HublotError) -> ImageHeader {
        guard let handle = tjInitDecompress() else {
            throw HublotError(.invalidImage, "cannot initialise the JPEG decoder")
        }
        defer { tjDestroy(handle) }
        return imageHeader(try header(bytes, handle: handle))
    }

    /// The header of a JPEG: RGB8 (3 bytes per pixel), or CMYK then RGB (7).
    private static func imageHeader(_ header: (width: Int, height: Int, colorspace: Int32)) -> ImageHeader {
        ImageHeader(format: .jpeg, width: header.width, height: header.height, bytesPerPixel: isCMYK(header.colorspace) ? 7 : 3)
    }

    private static func isCMYK(_ colorspace: Int32) -> Bool {
        colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
    }

    /// Counts the scans (SOS markers) of a JPEG, walking its segments and skipping entropy-coded
    /// data; stops counting past `limit`. Header segments (an EXIF thumbnail included) are skipped whole.
    static func scanCount(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Int {
        let n = bytes.count
        var i = 2, scans = 0
        while i + 1 < n {
            guard bytes[i] == 0xFF else { i += 1; continue }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xD9 { break }  // EOI
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }  // no length
            guard i + 3 < n else { break }
            i += 2 + (Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]))
            guard marker == 0xDA else { continue }
            scans += 1
            if scans > limit { break }
            // Entropy-coded data ends at 0xFF followed by neither a stuffed 0x00 nor a restart marker.
            while i + 1 < n, !(bytes[i] == 0xFF && bytes[i + 1] != 0x00 && !(0xD0...0xD7).contains(bytes[i + 1])) { i += 1 }
        }
        return scans
    }

    /// Reads the header: size and colour space. No pixel buffer is allocated.
    private static func header(_ bytes: UnsafeRawBufferPointer, handle: tjhandle) throws(HublotError) -> (width: Int, height: Int, colorspace: Int32) {
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = tjDecompressHeader3(
            handle, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt(bytes.count),
            &width, &height, &subsampling, &colorspace)
        guard status == 0 || isRecoverableWarning(handle), width > 0, height > 0 else {
            throw HublotError(.invalidImage, "invalid JPEG: \(errorText(handle)) (the file is corrupt or truncated)")
        }
        return (Int(width), Int(height), colorspace)
    }

    /// Decodes to RGB8, optionally scaled down in the DCT domain to the smallest size ≥ `minimumSize`.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, options: DecodeOptions, minimumSize: (width: Int, height: Int)?
    ) throws(HublotError) -> DecodedImage {
        guard let handle = tjInitDecompress() else {
            throw HublotError(.invalidImage, "cannot initialise the JPEG decoder")
        }
        defer { tjDestroy(handle) }
        let header = try header(bytes, handle: handle)
        try options.check(imageHeader(header))
        let scans = scanCount(bytes, limit: options.maxJPEGScans)
        guard scans <= options.maxJPEGScans else {
            throw HublotError(
                .invalidImage,
                "invalid JPEG: more than \(options.maxJPEGScans) scans (progressive JPEGs have about 10; each scan costs a pass over the whole image)")
        }

        var width = header.width, height = header.height
        var factor = tjscalingfactor(num: 1, denom: 1)
        if options.fastJPEGScaling, let minimumSize {
            factor = scalingFactor(width: width, height: height, minimumSize: minimumSize)
            width = scaled(width, factor)
            height = scaled(height, factor)
        }

        let isCMYK = isCMYK(header.colorspace)
        let channels = isCMYK ? 4 : 3
        let format = isCMYK ? TJPF_CMYK : TJPF_RGB
        var status: Int32 = 0
        // Not zero-filled first: TurboJPEG writes every byte, or fails and the buffer is dropped.
        var buffer = [UInt8](unsafeUninitializedCapacity: width * height * channels) { out, initialized in
            status = tjDecompress2(
                handle, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt(bytes.count),
                out.baseAddress, Int32(width), 0, Int32(height), Int32(format.rawValue),
                TJFLAG_ACCURATEDCT)
            initialized = out.count
        }
        guard status == 0 || isRecoverableWarning(handle) else {
            throw HublotError(.invalidImage, "invalid JPEG: \(errorText(handle)) (the file is corrupt or truncated)")
        }
        if isCMYK { buffer = cmykToRGB(buffer) }
        return DecodedImage(
            format: .jpeg, width: width, height: height,
            originalWidth: header.width, originalHeight: header.height, pixels: .rgb8(buffer))
    }

    /// The smallest libjpeg-turbo scaling factor whose output is still ≥ `minimumSize` in both directions.
    static func scalingFactor(width: Int, height: Int, minimumSize: (width: Int, height: Int)) -> tjscalingfactor {
        var count: Int32 = 0
        guard let factors = tjGetScalingFactors(&count) else { return tjscalingfactor(num: 1, denom: 1) }
        var best = tjscalingfactor(num: 1, denom: 1)
        for factor in UnsafeBufferPointer(start: factors, count: Int(count)) where factor.num <= factor.denom {
            let w = scaled(width, factor), h = scaled(height, factor)
            if w >= minimumSize.width, h >= minimumSize.height, w < scaled(width, best) {
                best = factor
            }
        }
        return best
    }

    /// TJSCALED: ceil(dimension × num / denom).
    static func scaled(_ dimension: Int, _ factor: tjscalingfactor) -> Int {
        (dimension * Int(factor.num) + Int(factor.denom) - 1) / Int(factor.denom)
    }

    /// Adobe CMYK (inverted, as Photoshop and libjpeg write it) to RGB, as TensorFlow's decoder does: r = c·k/255.
    static func cmykToRGB(_ cmyk: [UInt8]) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for i in 0..<count {
            let k = UInt32(cmyk[4 * i + 3])
            for c in 0..<3 {
                rgb[3 * i + c] = UInt8(UInt32(cmyk[4 * i + c]) * k / 255)
            }
        }
        return rgb
    }

    /// Like TensorFlow and Pillow, recoverable corruption warnings (e.g. "extraneous bytes before
    /// marker") still give the full image; truncated data ("Premature end") and errors are refused.
    private static func isRecoverableWarning(_ handle: tjhandle) -> Bool {
        tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) && !errorText(handle).contains("Premature end")
    }

    private static func errorText(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: text)
    }
}
