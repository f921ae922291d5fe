import Foundation

/// Softmax and top-k over class scores.
public enum Scores {
    /// Numerically stable softmax (subtracts the maximum, sums in double precision).
    public static func softmax(_ logits: ArraySlice<Float>) -> [Float] {
        guard let maximum = logits.max() else { return [] }
        let exps = logits.map { exp(Double($0 - maximum)) }
        let sum = exps.reduce(0, +)
        return exps.map { Float($0 / sum) }
    }

    /// Indices of the `k` largest values, largest first (ties: lower index first).
    public static func topIndices(_ values: [Float], k: Int) -> [Int] {
        let k = max(0, min(k, values.count))
        func before(_ a: Int, _ b: Int) -> Bool { values[a] != values[b] ? values[a] > values[b] : a < b }
        guard k <= 64 else { return Array(values.indices.sorted(by: before).prefix(k)) }
        // Partial selection: keep the k best seen so far, sorted (the top 5 of 1000 classes costs one pass).
        var top: [Int] = []
        top.reserveCapacity(k + 1)
        for index in values.indices {
            if top.count == k, let last = top.last, !before(index, last) { continue }
            let position = top.firstIndex { before(index, $0) } ?? top.count
            top.insert(index, at: position)
            if top.count > k { top.removeLast() }
        }
        return top
    }
}
