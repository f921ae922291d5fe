import HublotCore
import Testing

/// Every bad input a user can send gets a typed error with a clear message.
@Suite("Bad images")
struct BadImageTests {
    private func decodeError(_ name: String, options: DecodeOptions = .init()) throws -> HublotError? {
        let bytes = try Fixtures.image(name)
        do {
            _ = try ImageDecoder(options: options).decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyFile() throws {
        let error = try decodeError("empty.jpg")
        #expect(error?.kind == .emptyImage)
        #expect(error?.message.contains("empty") == true)
    }

    @Test func truncatedJPEG() throws {
        let error = try decodeError("truncated.jpg")
        #expect(error?.kind == .invalidImage)
        #expect(error?.message.contains("JPEG") == true)
    }

    @Test("a recoverable libjpeg warning (extraneous bytes before a marker) still decodes, as in TF and Pillow")
    func recoverableJPEGWarning() throws {
        let clean = try ImageDecoder().decode(try Fixtures.image("rgb.jpg"))
        let noisy = try ImageDecoder().decode(try Fixtures.image("extraneous.jpg"))
        guard case .rgb8(let a) = clean.pixels, case .rgb8(let b) = noisy.pixels else {
            Issue.record("expected 8-bit pixels")
            return
        }
        #expect(a == b)
    }

    @Test func truncatedPNG() throws {
        #expect(try decodeError("truncated.png")?.kind == .invalidImage)
    }

    @Test func textNamedJPEG() throws {
        let error = try decodeError("text.jpg")
        #expect(error?.kind == .unsupportedImageFormat)
        #expect(error?.message.contains("text") == true)
        #expect(error?.message.contains("JPEG, PNG") == true)
    }

    @Test func gifIsUnsupportedAndSaysWhichFormatsAre() throws {
        let error = try decodeError("image.gif")
        #expect(error?.kind == .unsupportedImageFormat)
        #expect(error?.message.contains("GIF") == true)
        #expect(error?.message.contains("JPEG, PNG") == true)
    }

    @Test("a header announcing 10000×10000 (PNG) or 60000×60000 (JPEG) is refused from the header")
    func tooManyPixelsFromHeader() throws {
        // The files hold only a few bytes of pixel data: a decode attempt would fail with
        // invalidImage, so tooManyPixels proves the header check comes first.
        for name in ["huge.png", "huge.jpg"] {
            let error = try decodeError(name)
            #expect(error?.kind == .tooManyPixels, "\(name)")
            #expect(error?.message.contains("40000000") == true, "\(name)")
        }
    }

    @Test func pixelLimitIsConfigurable() throws {
        let small = DecodeOptions(maxPixels: 100)
        #expect(try decodeError("rgb.png", options: small)?.kind == .tooManyPixels)  // 37×23
        #expect(try decodeError("gray.jpg", options: small)?.kind == .tooManyPixels)
        #expect(try decodeError("rgb.png", options: DecodeOptions(maxPixels: 37 * 23)) == nil)
    }

    @Test("a 1×1000 image cannot be fitted into 224×224: imageTooSmall")
    func tooThin() throws {
        let image = try ImageDecoder().decode(try Fixtures.image("thin.png"))
        #expect(throws: HublotError(.imageTooSmall, "the image is 1×1000 pixels: fitted into 224×224 one side would be 0 pixels")) {
            try Preprocessor(width: 224, height: 224).process(image)
        }
    }

    @Test("a 1×1 image is classified (as the Colab would), PNG and JPEG")
    func onePixelIsClassified() throws {
        let classifier = try Fixtures.defaultClassifier()
        let results = try classifier.classify([try Fixtures.image("one.png"), try Fixtures.image("one.jpg")], topK: 1)
        for result in results {
            let classification = try result.get()
            #expect(classification.predictions.count == 1)
        }
        // The resized 223×223 area is the pixel's colour (TF's float32 geometry leaves a zero edge).
        let input = try preprocess(try Fixtures.image("one.png"), width: 224, height: 224)
        let last = (222 * 224 + 222) * 3
        #expect(abs(input[0] - 200.0 / 255) < 1e-6 && abs(input[last + 1] - 10.0 / 255) < 1e-6)
        #expect(input[input.count - 3] == 0)
    }

    @Test("header() reads size and format without decoding")
    func headerProbe() throws {
        let decoder = ImageDecoder()
        let huge = try Fixtures.image("huge.jpg")
        let header = try huge.withUnsafeBytes { try decoder.header($0) }
        #expect(header.format == .jpeg && header.width == 60_000 && header.height == 60_000)
        let png = try Fixtures.image("rgb.png").withUnsafeBytes { try decoder.header($0) }
        #expect(png.format == .png && png.width == 37 && png.height == 23)
    }
}
