import HublotCore
import Testing

/// Grayscale, palette, alpha, 16-bit and CMYK images decode to the right RGB.
@Suite("PNG and JPEG colour types")
struct ColorTypeTests {
    private func rgb8(_ name: String) throws -> (image: DecodedImage, pixels: [UInt8]) {
        let image = try ImageDecoder().decode(try Fixtures.image(name))
        guard case .rgb8(let pixels) = image.pixels else {
            Issue.record("\(name) should decode to 8-bit")
            throw FixtureMissing()
        }
        return (image, pixels)
    }

    @Test func grayscalePNGIsStackedToRGB() throws {
        let (image, pixels) = try rgb8("gray.png")
        #expect(image.width == 19 && image.height == 31)
        #expect(pixels.count == 19 * 31 * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) {
            #expect(pixels[i] == pixels[i + 1] && pixels[i] == pixels[i + 2])
        }
    }

    @Test func grayscaleJPEGIsStackedToRGB() throws {
        let (_, pixels) = try rgb8("gray.jpg")
        for i in stride(from: 0, to: pixels.count, by: 3) {
            #expect(pixels[i] == pixels[i + 1] && pixels[i] == pixels[i + 2])
        }
    }

    @Test("16-bit PNG keeps 16 bits (its TF parity is in ResizeWithPadTests)")
    func sixteenBit() throws {
        let image = try ImageDecoder().decode(try Fixtures.image("rgb16.png"))
        guard case .rgb16(let values) = image.pixels else {
            Issue.record("rgb16.png should decode to 16-bit")
            return
        }
        #expect(image.width == 13 && image.height == 9)
        #expect(values.contains { $0 % 257 != 0 })  // the low byte survived
    }

    @Test("CMYK JPEG is converted to RGB")
    func cmyk() throws {
        let (cmyk, cmykPixels) = try rgb8("cmyk.jpg")
        let (_, expected) = try rgb8("rgb-for-cmyk.png")
        #expect(cmyk.width == 37 && cmyk.height == 23)
        let meanError = zip(cmykPixels, expected).map { abs(Int($0) - Int($1)) }.reduce(0, +) / expected.count
        #expect(meanError <= 3, "mean |Δ| \(meanError) (JPEG is lossy, a wrong conversion is off by ~100)")
    }

    @Test("formats come from magic bytes, not names")
    func magicBytes() throws {
        #expect([UInt8]([0xFF, 0xD8, 0xFF, 0xE0]).withUnsafeBytes { ImageFormat.detect($0) } == .jpeg)
        #expect([UInt8]([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]).withUnsafeBytes { ImageFormat.detect($0) } == .png)
        #expect(Array("GIF89a".utf8).withUnsafeBytes { ImageFormat.detect($0) } == nil)
        #expect([UInt8]([0xFF, 0xD8]).withUnsafeBytes { ImageFormat.detect($0) } == nil)
    }
}
