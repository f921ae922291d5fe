import Foundation

/// Collects the figures and prints them as tables with ratios.
struct Report {
    let names: [String]
    let photos: [String: PhotoFigures]
    var pythonPreprocess: [String: Double] = [:]
    var swiftInference: [InferenceFigures] = []
    var pythonInference: [InferenceFigures] = []
    var versions = ""

    func print() {
        func f(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
        func cell(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
        }
        func name(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        if !versions.isEmpty { Swift.print(versions) }

        Swift.print("\nDecode + preprocess per photo, ms (exact = Colab-exact; fast = JPEG DCT scaling)")
        Swift.print(name("photo", 12) + cell("swift-exact", 12) + cell("swift-fast", 12) + cell("PIL+TF", 10) + cell("exact-speedup", 15) + cell("fast-speedup", 14))
        for photo in names {
            guard let p = photos[photo] else { continue }
            let baseline = pythonPreprocess[photo]
            Swift.print(
                name(photo, 12) + cell(f(p.exactMs), 12) + cell(f(p.fastMs), 12) + cell(baseline.map { f($0) } ?? "-", 10)
                    + cell(baseline.map { f($0 / p.exactMs, 1) + "x" } ?? "-", 15)
                    + cell(baseline.map { f($0 / p.fastMs, 1) + "x" } ?? "-", 14))
        }

        Swift.print("\nFast JPEG path vs exact path (same model, same run)")
        Swift.print(name("photo", 12) + cell("top1-exact", 11) + cell("top1-fast", 10) + cell("same", 6) + cell("max|Δprob|", 12) + cell("max|Δinput|", 13))
        for photo in names {
            guard let p = photos[photo] else { continue }
            Swift.print(
                name(photo, 12) + cell(String(p.exactTop1), 11) + cell(String(p.fastTop1), 10)
                    + cell(p.exactTop1 == p.fastTop1 ? "yes" : "NO", 6)
                    + cell(String(format: "%.4f", p.maxProbabilityDelta), 12) + cell(String(format: "%.4f", p.maxInputDelta), 13))
        }

        Swift.print("\nInference, same model.onnx, same tensors, same threads (median over \(swiftInference.count) alternating rounds)")
        Swift.print(
            name("figure", 20) + cell("swift", 10) + cell("python-ort", 12) + cell("swift/python", 14)
                + cell("best swift", 12) + cell("best python", 13) + cell("ratio", 8))
        let s = swiftInference, p = pythonInference
        let rows: [(String, (InferenceFigures) -> Double, Bool)] = [
            ("batch 1 latency ms", { $0.batch1Ms }, false),
            ("batch 8 images/s", { 8000 / $0.batch8Ms }, true),
            ("batch 32 images/s", { 32000 / $0.batch32Ms }, true),
        ]
        for (label, value, higherIsBetter) in rows {
            let ours = median(s.map(value))
            let theirs = p.isEmpty ? nil : median(p.map(value))
            let ratio = theirs.map { higherIsBetter ? ours / $0 : $0 / ours }
            // Best round: the least disturbed by other processes (max throughput, min latency).
            let best: ([Double]) -> Double = { higherIsBetter ? $0.max()! : $0.min()! }
            let bestOurs = best(s.map(value))
            let bestTheirs = p.isEmpty ? nil : best(p.map(value))
            let bestRatio = bestTheirs.map { higherIsBetter ? bestOurs / $0 : $0 / bestOurs }
            Swift.print(
                name(label, 20) + cell(f(ours, 1), 10) + cell(theirs.map { f($0, 1) } ?? "-", 12)
                    + cell(ratio.map { f($0) + "x" } ?? "-", 14) + cell(f(bestOurs, 1), 12)
                    + cell(bestTheirs.map { f($0, 1) } ?? "-", 13) + cell(bestRatio.map { f($0) + "x" } ?? "-", 8))
        }
        if s.count > 1 {
            Swift.print("rounds, batch 8 images/s: swift " + s.map { f(8000 / $0.batch8Ms, 1) }.joined(separator: " ")
                + " | python " + p.map { f(8000 / $0.batch8Ms, 1) }.joined(separator: " "))
        }
    }
}
