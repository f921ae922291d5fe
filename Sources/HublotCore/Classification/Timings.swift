/// Where the time of one image went, in milliseconds.
public struct ImageTimings: Sendable, Equatable, Codable {
    /// Decoding the file to pixels.
    public var decodeMilliseconds: Double
    /// Resizing and padding to the model input.
    public var preprocessMilliseconds: Double
    /// The ONNX Runtime run of the batch this image was part of (shared by the batch).
    public var inferenceMilliseconds: Double

    /// Creates timings.
    public init(decodeMilliseconds: Double = 0, preprocessMilliseconds: Double = 0, inferenceMilliseconds: Double = 0) {
        self.decodeMilliseconds = decodeMilliseconds
        self.preprocessMilliseconds = preprocessMilliseconds
        self.inferenceMilliseconds = inferenceMilliseconds
    }
}

/// Measures a closure with the monotonic clock.
enum Stopwatch {
    /// Runs `body`, returning its result and the elapsed milliseconds.
    static func measure<R>(_ body: () throws(HublotError) -> R) throws(HublotError) -> (R, Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try body()
        return (result, milliseconds(clock.now - start))
    }

    /// A duration in milliseconds.
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
