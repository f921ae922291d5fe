import Foundation

/// One class of a top-k answer.
public struct Prediction: Sendable, Equatable, Codable {
    /// Output index of the class (0-based, the model's own order).
    public let index: Int
    /// The class name from `labels.txt` (offset applied).
    public let label: String
    /// Probability in [0, 1].
    public let probability: Float

    /// Creates a prediction.
    public init(index: Int, label: String, probability: Float) {
        self.index = index
        self.label = label
        self.probability = probability
    }
}

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
        return values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
            .prefix(k).map { $0 }
    }
}
