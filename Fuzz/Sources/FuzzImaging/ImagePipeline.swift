import HublotCore

/// What the image harnesses run on every input: HublotCore's header probe, decode and
/// `resize_with_pad` into model-sized buffers, exactly as the classifier uses them, with the
/// invariants a correct decoder keeps turned into crashes (libFuzzer only sees crashes).
public enum ImagePipeline {
    /// The pixel limit while fuzzing: large enough for every seed, small enough that a mutated
    /// header cannot make each execution decode tens of megapixels.
    public static let fuzzMaxPixels = 1 << 20

    /// The default model's input: every decoded image is resized into it once.
    static let modelInput = Preprocessor(width: 224, height: 224)
    /// Small inputs (the tests' tiny model's, and a non-square one) that keep executions fast.
    static let smallInputs = [Preprocessor(width: 8, height: 8), Preprocessor(width: 13, height: 7)]

    /// Runs `bytes` through the pipeline. Errors are expected (hostile input); crashes are bugs.
    public static func run(_ bytes: UnsafeRawBufferPointer) {
        // The default limits: the header probe, and the 40 MP refusal before any pixel buffer.
        let production = ImageDecoder()
        let header = try? production.header(bytes)
        if let header, header.width.multipliedReportingOverflow(by: header.height).overflow
            || header.width * header.height > DecodeOptions.defaultMaxPixels
        {
            if let image = try? production.decode(bytes) {
                fatalError("decoded \(image.width)×\(image.height) past the default pixel limit")
            }
            return
        }
        // The fuzzing limit: decode (full size, then with JPEG DCT scaling) and resize.
        for fast in [false, true] {
            let decoder = ImageDecoder(options: DecodeOptions(maxPixels: fuzzMaxPixels, fastJPEGScaling: fast))
            guard let image = try? decoder.decode(bytes, minimumSize: (224, 224)) else { continue }
            check(image, header: header)
            if !fast { resize(image, with: modelInput) }
            for preprocessor in smallInputs { resize(image, with: preprocessor) }
            if image.format != .jpeg { break }
        }
    }

    /// The decoder's output contract (DecodedImage's documentation).
    static func check(_ image: DecodedImage, header: ImageHeader?) {
        precondition(image.width > 0 && image.height > 0, "empty image \(image.width)×\(image.height)")
        precondition(image.width <= image.originalWidth && image.height <= image.originalHeight, "decoded larger than the header")
        precondition(image.width * image.height <= fuzzMaxPixels, "decoded past the pixel limit")
        if let header {
            precondition(header.width == image.originalWidth && header.height == image.originalHeight, "header and decode disagree")
        }
        let count: Int
        switch image.pixels {
        case .rgb8(let pixels): count = pixels.count
        case .rgb16(let pixels): count = pixels.count
        }
        precondition(count == image.width * image.height * 3, "\(count) values for \(image.width)×\(image.height) RGB")
    }

    /// Resizes into a model input; every value must be finite and in [0, 1].
    static func resize(_ image: DecodedImage, with preprocessor: Preprocessor) {
        guard let values = try? preprocessor.process(image) else { return }
        precondition(values.count == preprocessor.valuesPerImage, "wrong tensor size")
        for value in values {
            precondition(value.isFinite && value >= 0 && value <= 1.0001, "value \(value) outside [0, 1]")
        }
    }
}
