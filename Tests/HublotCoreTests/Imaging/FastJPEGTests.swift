import HublotCore
import Testing

/// The optional JPEG DCT-scaling path.
@Suite("Fast JPEG path")
struct FastJPEGTests {
    @Test("scales to the smallest libjpeg-turbo size still covering the resized image")
    func chosenScale() throws {
        let fast = ImageDecoder(options: DecodeOptions(fastJPEGScaling: true))
        let turtle = try fast.decode(try Fixtures.photo("turtle.jpg"), minimumSize: (224, 148))
        #expect(turtle.width == 250 && turtle.height == 167)  // 1/8
        #expect(turtle.originalWidth == 2000 && turtle.originalHeight == 1329)
        let cat = try fast.decode(try Fixtures.photo("cat.jpg"), minimumSize: (168, 224))
        #expect(cat.width == 188 && cat.height == 250)  // 1/2
        let exact = try ImageDecoder().decode(try Fixtures.photo("cat.jpg"), minimumSize: (168, 224))
        #expect(exact.width == 375 && exact.height == 500)  // the option is off by default
    }

    @Test("the fast path keeps the top-1 class of every photo and the Colab geometry")
    func sameTopOne() throws {
        let classifier = try Fixtures.defaultClassifier()
        let images = try ["cat.jpg", "bus.jpg", "banana.jpg", "turtle.jpg"].map { try Fixtures.photo($0) }
        let exact = try classifier.classify(images, topK: 1)
        let fast = try classifier.classify(images, topK: 1, options: DecodeOptions(fastJPEGScaling: true))
        for (e, f) in zip(exact, fast) {
            #expect(try e.get().predictions[0].index == f.get().predictions[0].index)
        }
        // Same padding: rows above turtle's 224×148 image are zero on both paths.
        var batch = classifier.makeBatch(count: 1)
        _ = try classifier.prepare(images[3], into: &batch, at: 0, options: DecodeOptions(fastJPEGScaling: true))
        #expect(batch.values[0..<(37 * 224 * 3)].allSatisfy { $0 == 0 })
        #expect(batch.values[(37 * 224 * 3)..<(38 * 224 * 3)].contains { $0 != 0 })
    }
}
