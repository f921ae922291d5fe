import Foundation
import HublotCore

/// Median wall time of `body` in milliseconds, after `warmup` untimed runs.
func medianMilliseconds(iterations: Int, warmup: Int = 2, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    let clock = ContinuousClock()
    var samples: [Double] = []
    for _ in 0..<max(1, iterations) {
        let start = clock.now
        try body()
        let (seconds, attoseconds) = (clock.now - start).components
        samples.append(Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
    return median(samples)
}

/// The median of a non-empty list.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Decode + preprocess figures of one photo, and what the fast JPEG path changes.
struct PhotoFigures {
    let exactMs: Double
    let fastMs: Double
    let exactTop1: Int
    let fastTop1: Int
    let maxProbabilityDelta: Float
    let maxInputDelta: Float
}

/// Inference figures of one round.
struct InferenceFigures {
    let batch1Ms: Double
    let batch8Ms: Double
    let batch32Ms: Double
}

/// HublotCore's side of the benchmark.
struct SwiftBench {
    let classifier: Classifier
    let iterations: Int

    /// Times decode + preprocess on both paths and compares their classifications.
    /// Returns the figures per photo and the exact-path batch of the photos.
    func photos(names: [String], images: [[UInt8]]) throws -> ([String: PhotoFigures], ImageBatch) {
        let exact = DecodeOptions(), fast = DecodeOptions(fastJPEGScaling: true)
        var exactBatch = classifier.makeBatch(count: images.count)
        var fastBatch = classifier.makeBatch(count: images.count)
        var times: [(Double, Double)] = []
        for (i, bytes) in images.enumerated() {
            var slot = classifier.makeBatch(count: 1)
            let exactMs = try medianMilliseconds(iterations: iterations) {
                _ = try classifier.prepare(bytes, into: &slot, at: 0, options: exact)
            }
            let fastMs = try medianMilliseconds(iterations: iterations) {
                _ = try classifier.prepare(bytes, into: &slot, at: 0, options: fast)
            }
            times.append((exactMs, fastMs))
            _ = try classifier.prepare(bytes, into: &exactBatch, at: i, options: exact)
            _ = try classifier.prepare(bytes, into: &fastBatch, at: i, options: fast)
        }
        let exactProbabilities = try classifier.run(exactBatch).probabilities
        let fastProbabilities = try classifier.run(fastBatch).probabilities
        let size = exactBatch.valuesPerImage
        var figures: [String: PhotoFigures] = [:]
        for (i, name) in names.enumerated() {
            let e = exactProbabilities[i], f = fastProbabilities[i]
            let slice = (i * size)..<((i + 1) * size)
            figures[name] = PhotoFigures(
                exactMs: times[i].0, fastMs: times[i].1,
                exactTop1: Scores.topIndices(e, k: 1)[0], fastTop1: Scores.topIndices(f, k: 1)[0],
                maxProbabilityDelta: zip(e, f).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) },
                maxInputDelta: zip(exactBatch.values[slice], fastBatch.values[slice]).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) })
        }
        return (figures, exactBatch)
    }

    /// A batch of `count` images cycling through the images of `source`.
    func batch(_ count: Int, from source: ImageBatch) -> ImageBatch {
        var batch = classifier.makeBatch(count: count)
        let size = source.valuesPerImage
        for i in 0..<count {
            let s = i % source.count
            batch.values.replaceSubrange((i * size)..<((i + 1) * size), with: source.values[(s * size)..<((s + 1) * size)])
        }
        return batch
    }

    /// Latency at batch 1 and time per batch of 8 and 32 (same run counts as the Python side).
    func inference(_ source: ImageBatch) throws -> InferenceFigures {
        let batch1 = batch(1, from: source), batch8 = batch(8, from: source), batch32 = batch(32, from: source)
        return InferenceFigures(
            batch1Ms: try medianMilliseconds(iterations: iterations) { _ = try classifier.run(batch1) },
            batch8Ms: try medianMilliseconds(iterations: max(3, iterations / 4)) { _ = try classifier.run(batch8) },
            batch32Ms: try medianMilliseconds(iterations: max(3, iterations / 16)) { _ = try classifier.run(batch32) })
    }
}
