/// A contiguous float32 `[count, height, width, 3]` tensor that images are preprocessed into.
public struct ImageBatch: Sendable {
    /// Images in the batch.
    public let count: Int
    /// Model input height.
    public let height: Int
    /// Model input width.
    public let width: Int
    /// The tensor values, NHWC, row-major.
    public var values: [Float]

    /// Floats one image occupies.
    public var valuesPerImage: Int { height * width * 3 }
    /// The tensor shape for ONNX Runtime.
    public var shape: [Int64] { [Int64(count), Int64(height), Int64(width), 3] }

    /// A zero-filled batch of `count` images.
    public init(count: Int, height: Int, width: Int) {
        self.count = count
        self.height = height
        self.width = width
        self.values = [Float](repeating: 0, count: count * height * width * 3)
    }

    /// Gives `body` the slice of image `index` to write into.
    public mutating func withImage<R>(
        at index: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws(HublotError) -> R
    ) throws(HublotError) -> R {
        guard (0..<count).contains(index) else {
            throw HublotError(.invalidArgument, "image index \(index) is outside a batch of \(count)")
        }
        let size = valuesPerImage
        return try rethrowingHublotError {
            try values.withUnsafeMutableBufferPointer { all in
                try body(UnsafeMutableBufferPointer(rebasing: all[(index * size)..<((index + 1) * size)]))
            }
        }
    }
}
