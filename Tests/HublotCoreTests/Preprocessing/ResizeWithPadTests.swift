import Foundation
import HublotCore
import Testing

/// `tf.image.resize_with_pad` reproduced on synthetic images of awkward sizes and colour types.
@Suite("resize_with_pad against TensorFlow")
struct ResizeWithPadTests {
    struct Entry: Decodable {
        let image: String
        let size: Int
        let file: String
    }

    @Test("synthetic PNGs (RGB, gray, palette, alpha, 16-bit, 1×1, tall, wide) at 8×8 and 224×224")
    func matchesTensorFlow() throws {
        let folder = try Fixtures.generated().appendingPathComponent("tf")
        let entries = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: folder.appendingPathComponent("index.json")))
        #expect(entries.count >= 16)
        for entry in entries {
            let ours = try preprocess(try Fixtures.image(entry.image), width: entry.size, height: entry.size)
            let theirs = try readFloats(folder.appendingPathComponent(entry.file))
            let diff = maxAbsDiff(ours, theirs)
            #expect(diff <= 1e-5, "\(entry.image) at \(entry.size): max |Δ| \(diff)")
        }
    }

    @Test("geometry: float32 ratio, floor of the resized size, centred padding")
    func geometry() throws {
        let turtle = try ResizeGeometry(width: 2000, height: 1329, targetWidth: 224, targetHeight: 224)
        #expect(turtle.resizedWidth == 224 && turtle.resizedHeight == 148)
        #expect(turtle.padLeft == 0 && turtle.padTop == 37)
        let cat = try ResizeGeometry(width: 375, height: 500, targetWidth: 224, targetHeight: 224)
        #expect(cat.resizedWidth == 168 && cat.resizedHeight == 224 && cat.padLeft == 28 && cat.padTop == 0)
        let square = try ResizeGeometry(width: 1, height: 1, targetWidth: 224, targetHeight: 224)
        // float32 rounding: 1 / (1/224) < 224, so TF resizes to 223 and leaves one zero row and column.
        #expect(square.resizedWidth == 223 && square.resizedHeight == 223 && square.padLeft == 0 && square.padTop == 0)
    }

    @Test("the output buffer must hold exactly one image")
    func wrongBuffer() throws {
        let image = DecodedImage(format: .png, width: 1, height: 1, pixels: .rgb8([1, 2, 3]))
        var small = [Float](repeating: 0, count: 10)
        #expect(throws: HublotError.self) {
            try small.withUnsafeMutableBufferPointer { try Preprocessor(width: 8, height: 8).process(image, into: $0) }
        }
    }
}
