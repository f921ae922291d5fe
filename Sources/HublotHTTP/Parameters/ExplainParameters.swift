/// The query parameters of an explanation (`grid`, `class`), read the same way by the front and the
/// classifier, and the one place for their limits.
public struct ExplainParameters: Sendable, Equatable {
    /// Cells per side when `grid` is absent.
    public static let defaultGrid = 7
    /// The grids accepted: each asks `grid² + 1` images of the model.
    public static let grids = 2...14
    /// Most classes one explanation maps.
    public static let maxClasses = 5

    /// Cells per side.
    public var grid: Int
    /// The class indices to map, in the order asked, without repeats; empty maps the photo's top-1.
    public var classes: [Int]

    /// Parameters as given.
    public init(grid: Int = ExplainParameters.defaultGrid, classes: [Int] = []) {
        self.grid = grid
        self.classes = classes
    }

    /// Reads `grid` (at most once, an integer in ``grids``) and `class` (repeatable, or comma-separated,
    /// non-negative integers, at most ``maxClasses`` distinct) from their occurrences in the query;
    /// 400 `bad_request` otherwise. Whether a class exists is the model's business.
    public static func parse(grid gridValues: [String], classes classValues: [String]) throws(APIError) -> ExplainParameters {
        var parameters = ExplainParameters()
        if let raw = gridValues.last {
            guard gridValues.count == 1, let grid = Int(raw), grids.contains(grid) else {
                throw APIError.badRequest(
                    "grid must be an integer from \(grids.lowerBound) to \(grids.upperBound) (got '\(gridValues.joined(separator: ","))')")
            }
            parameters.grid = grid
        }
        for raw in classValues.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            guard let index = Int(raw), index >= 0 else {
                throw APIError.badRequest("class must be a class index, a non-negative integer (got '\(raw)')")
            }
            if !parameters.classes.contains(index) { parameters.classes.append(index) }
        }
        guard parameters.classes.count <= maxClasses else {
            throw APIError.badRequest("at most \(maxClasses) classes can be explained at once (got \(parameters.classes.count))")
        }
        return parameters
    }
}
