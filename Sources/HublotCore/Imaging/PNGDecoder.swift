import CSpng

/// PNG decoding through libspng: 1/2/4/8/16-bit, grayscale, palette, alpha, interlaced.
/// Alpha is dropped (as `tf.io.decode_png(channels=3)` does); 16-bit images keep 16 bits.
enum PNGDecoder {
    /// Reads the IHDR chunk only.
    static func header(_ bytes: UnsafeRawBufferPointer) throws(HublotError) -> ImageHeader {
        try header(Context(bytes).header())
    }

    /// The header of an IHDR: 16-bit images take RGBA16 then RGB16 (14 bytes per pixel), others RGB8.
    private static func header(_ ihdr: spng_ihdr) -> ImageHeader {
        ImageHeader(format: .png, width: Int(ihdr.width), height: Int(ihdr.height), bytesPerPixel: ihdr.bit_depth == 16 ? 14 : 3)
    }

    /// Decodes to RGB8 (bit depth ≤ 8) or RGB16 (bit depth 16).
    static func decode(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions) throws(HublotError) -> DecodedImage {
        let context = try Context(bytes)
        let ihdr = try context.header()
        let width = Int(ihdr.width), height = Int(ihdr.height)
        try options.check(header(ihdr))

        if ihdr.bit_depth == 16 {
            let rgba: [UInt16] = try context.decode(format: SPNG_FMT_RGBA16, count: width * height * 4)
            var rgb = [UInt16](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                rgb[3 * i] = rgba[4 * i]
                rgb[3 * i + 1] = rgba[4 * i + 1]
                rgb[3 * i + 2] = rgba[4 * i + 2]
            }
            return DecodedImage(format: .png, width: width, height: height, pixels: .rgb16(rgb))
        }
        let rgb: [UInt8] = try context.decode(format: SPNG_FMT_RGB8, count: width * height * 3)
        return DecodedImage(format: .png, width: width, height: height, pixels: .rgb8(rgb))
    }

    /// Owns one `spng_ctx`.
    private final class Context {
        let pointer: OpaquePointer

        init(_ bytes: UnsafeRawBufferPointer) throws(HublotError) {
            guard let pointer = spng_ctx_new(0) else {
                throw HublotError(.invalidImage, "cannot initialise the PNG decoder")
            }
            self.pointer = pointer
            try check(spng_set_png_buffer(pointer, bytes.baseAddress, bytes.count))
            // Width and height each ≤ 2^31-1 (the pixel limit is checked separately), chunks ≤ 64 MiB.
            try check(spng_set_chunk_limits(pointer, 64 << 20, 64 << 20))
        }

        deinit { spng_ctx_free(pointer) }

        func header() throws(HublotError) -> spng_ihdr {
            var ihdr = spng_ihdr()
            try check(spng_get_ihdr(pointer, &ihdr))
            return ihdr
        }

        func decode<T: FixedWidthInteger>(format: spng_format, count: Int) throws(HublotError) -> [T] {
            var size = 0
            try check(spng_decoded_image_size(pointer, Int32(format.rawValue), &size))
            guard size == count * MemoryLayout<T>.size else {
                throw HublotError(.invalidImage, "invalid PNG: unexpected decoded size \(size)")
            }
            var output = [T](repeating: 0, count: count)
            let status = output.withUnsafeMutableBytes { raw in
                spng_decode_image(pointer, raw.baseAddress, raw.count, Int32(format.rawValue), 0)
            }
            try check(status)
            return output
        }

        private func check(_ status: Int32) throws(HublotError) {
            guard status != 0 else { return }
            let text = spng_strerror(status).map { String(cString: $0) } ?? "error \(status)"
            throw HublotError(.invalidImage, "invalid PNG: \(text) (the file is corrupt or truncated)")
        }
    }
}
