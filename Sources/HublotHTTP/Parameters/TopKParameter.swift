/// The `top_k` query parameter of a classification, read the same way by the front and the classifier.
public enum TopKParameter {
    /// The value of `top_k` given its occurrences in the query (`nil` when absent); 400 `bad_request`
    /// unless it occurs once and is a positive integer.
    public static func parse(_ values: [String]) throws(APIError) -> Int? {
        guard let raw = values.last else { return nil }
        guard values.count == 1, let k = Int(raw), k >= 1 else {
            throw APIError.badRequest("top_k must be a positive integer (got '\(values.joined(separator: ","))')")
        }
        return k
    }
}
