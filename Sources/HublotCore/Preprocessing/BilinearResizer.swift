/// TensorFlow's bilinear resize (`tf.image.resize`, `half_pixel_centers=True`, no antialias),
/// reading integer pixels scaled to [0, 1] as `tf.image.convert_image_dtype` does.
enum BilinearResizer {
    /// One output coordinate's two source taps and the weight of the second.
    struct Tap {
        var lower: Int
        var upper: Int
        var lerp: Float
    }

    /// TF's `compute_interpolation_weights` with the half-pixel scaler, in float32.
    static func taps(outputSize: Int, inputSize: Int) -> [Tap] {
        let scale = Float(inputSize) / Float(outputSize)
        return (0..<outputSize).map { i in
            let position = (Float(i) + 0.5) * scale - 0.5
            let floorPosition = position.rounded(.down)
            return Tap(
                lower: max(Int(floorPosition), 0),
                upper: min(Int(position.rounded(.up)), inputSize - 1),
                lerp: position - floorPosition)
        }
    }

    /// Resizes `source` (RGB, `width × height`) to the geometry's resized size, writing it at
    /// the geometry's offset into `output` (RGB, target size); padding is set to zero.
    static func resize<Pixel: BinaryInteger>(
        source: UnsafeBufferPointer<Pixel>, width: Int, height: Int, scale: Float,
        geometry g: ResizeGeometry, into output: UnsafeMutableBufferPointer<Float>
    ) {
        output.update(repeating: 0)
        let xTaps = taps(outputSize: g.resizedWidth, inputSize: width)
        let yTaps = taps(outputSize: g.resizedHeight, inputSize: height)
        let rowStride = width * 3
        for (y, yTap) in yTaps.enumerated() {
            let top = yTap.lower * rowStride, bottom = yTap.upper * rowStride
            var out = ((g.padTop + y) * g.targetWidth + g.padLeft) * 3
            for xTap in xTaps {
                let left = xTap.lower * 3, right = xTap.upper * 3
                for c in 0..<3 {
                    let topLeft = Float(source[top + left + c]) * scale
                    let topRight = Float(source[top + right + c]) * scale
                    let bottomLeft = Float(source[bottom + left + c]) * scale
                    let bottomRight = Float(source[bottom + right + c]) * scale
                    let upper = topLeft + (topRight - topLeft) * xTap.lerp
                    let lower = bottomLeft + (bottomRight - bottomLeft) * xTap.lerp
                    output[out + c] = upper + (lower - upper) * yTap.lerp
                }
                out += 3
            }
        }
    }
}
