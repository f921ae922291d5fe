/// The Colab's preprocessing: pixels to float32 in [0, 1] (`tf.image.convert_image_dtype`),
/// grayscale already stacked to RGB by the decoder, then `tf.image.resize_with_pad(image, H, W)`.
public struct Preprocessor: Sendable, Equatable {
    /// Model input height.
    public let height: Int
    /// Model input width.
    public let width: Int

    /// Floats one preprocessed image occupies: `height × width × 3`.
    public var valuesPerImage: Int { height * width * 3 }

    /// A preprocessor for a model input of `width × height`.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Where an image of the header's size lands in the model input.
    public func geometry(forWidth imageWidth: Int, height imageHeight: Int) throws(HublotError) -> ResizeGeometry {
        try ResizeGeometry(width: imageWidth, height: imageHeight, targetWidth: width, targetHeight: height)
    }

    /// Writes the preprocessed image (NHWC, one image) into `output`, which must hold ``valuesPerImage`` floats.
    ///
    /// The geometry comes from the image's original size, so a JPEG decoded at a reduced
    /// size (fast path) is placed exactly where the full-size decode would be.
    public func process(_ image: DecodedImage, into output: UnsafeMutableBufferPointer<Float>) throws(HublotError) {
        guard output.count == valuesPerImage else {
            throw HublotError(.invalidArgument, "the output holds \(output.count) floats, one image needs \(valuesPerImage)")
        }
        let geometry = try geometry(forWidth: image.originalWidth, height: image.originalHeight)
        switch image.pixels {
        case .rgb8(let pixels):
            pixels.withUnsafeBufferPointer {
                BilinearResizer.resize(
                    source: $0, width: image.width, height: image.height, scale: Float(1.0 / 255.0),
                    geometry: geometry, into: output)
            }
        case .rgb16(let pixels):
            pixels.withUnsafeBufferPointer {
                BilinearResizer.resize(
                    source: $0, width: image.width, height: image.height, scale: Float(1.0 / 65535.0),
                    geometry: geometry, into: output)
            }
        }
    }

    /// The preprocessed image as a new array (convenience for tests and tools).
    public func process(_ image: DecodedImage) throws(HublotError) -> [Float] {
        var output = [Float](repeating: 0, count: valuesPerImage)
        try rethrowingHublotError {
            try output.withUnsafeMutableBufferPointer { try process(image, into: $0) }
        }
        return output
    }
}
