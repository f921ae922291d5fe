/// The answer of `POST /v1/models/{name}/explain`: where in the photo the model finds its answer,
/// by occlusion sensitivity. The photo is split into a `grid × grid` of equal cells (row 0 at the top,
/// column 0 at the left, cells in fractions of the photo's width and height); for each cell a patch
/// centred on it, two cells wide and clipped to the photo, is blanked out with the photo's mean colour,
/// and the model runs on that variant. A cell's drop is how much the class's probability fell.
public struct Explanation: Codable, Sendable, Equatable {
    /// The model that answered.
    public var model: String
    /// The version of the model that answered.
    public var version: String?
    /// The top-k classes of the whole photo, most probable first.
    public var predictions: [Prediction]
    /// Cells per side.
    public var grid: Int
    /// One map per class explained (the photo's top-1, or the classes asked with `class=`), in the order asked.
    public var maps: [OcclusionMap]
    /// Images the model ran for this answer (the photo and its `grid²` variants).
    public var images: Int
    /// Where the time went: decode and preprocess of the photo, then the sums over its images of the
    /// queue waits and of their batches' inference times, and the total.
    public var timings: Timings

    /// Creates an explanation.
    public init(model: String, version: String?, predictions: [Prediction], grid: Int, maps: [OcclusionMap], images: Int, timings: Timings) {
        self.model = model
        self.version = version
        self.predictions = predictions
        self.grid = grid
        self.maps = maps
        self.images = images
        self.timings = timings
    }
}

/// The occlusion map of one class.
public struct OcclusionMap: Codable, Sendable, Equatable {
    /// Output index of the class.
    public var index: Int
    /// The class name.
    public var label: String
    /// Its probability on the whole photo.
    public var probability: Float
    /// `drops[row][column]`: the class's probability on the whole photo minus its probability with the
    /// patch of that cell blanked out. Positive where the cell helps the answer, negative where hiding it
    /// makes the class more likely.
    public var drops: [[Float]]

    /// Creates a map.
    public init(index: Int, label: String, probability: Float, drops: [[Float]]) {
        self.index = index
        self.label = label
        self.probability = probability
        self.drops = drops
    }
}
