/// Occlusion sensitivity over one preprocessed image: the photo's part of the model input (where
/// ``ResizeGeometry`` put it, padding excluded) is split into `grid × grid` equal cells; the variant of a
/// cell is the image with a patch centred on that cell, two cells wide and tall (clipped to the photo),
/// filled with the photo's mean colour. Filling with the mean, rather than black or grey, keeps the
/// variant's colours plausible, and makes a uniform photo's variants identical to it: a flat map.
public struct OcclusionGrid: Sendable, Equatable {
    /// Cells per side.
    public let grid: Int
    /// Where the photo lies in the model input.
    public let geometry: ResizeGeometry

    /// A grid of `grid × grid` cells (at least 1) over the photo placed by `geometry`.
    public init(grid: Int, geometry: ResizeGeometry) {
        self.grid = max(1, grid)
        self.geometry = geometry
    }

    /// Variants, one per cell, in row-major order (row 0 at the top).
    public var cellCount: Int { self.grid * self.grid }

    /// The patch of cell `(row, column)`, in model input pixels (half-open ranges), never empty.
    public func patch(row: Int, column: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        (Self.span(row, of: self.grid, length: self.geometry.resizedHeight, offset: self.geometry.padTop),
         Self.span(column, of: self.grid, length: self.geometry.resizedWidth, offset: self.geometry.padLeft))
    }

    /// Pixels `[(2i − 1)·L / 2n, (2i + 3)·L / 2n)` of a side of `length` pixels starting at `offset`:
    /// cell `i` and half a cell on each side, clipped to the side, rounded outwards.
    static func span(_ i: Int, of n: Int, length: Int, offset: Int) -> Range<Int> {
        let start = max(0, (2 * i - 1) * length) / (2 * n)
        let end = min(length, ((2 * i + 3) * length + 2 * n - 1) / (2 * n))
        return (offset + start)..<(offset + max(end, start + 1))
    }

    /// The photo's mean colour in `image` (one preprocessed NHWC image of the model input), padding excluded.
    public func meanColour(of image: UnsafeBufferPointer<Float>) -> SIMD3<Float> {
        let width = self.geometry.targetWidth
        var sum = SIMD3<Double>(repeating: 0)
        for y in self.geometry.padTop..<(self.geometry.padTop + self.geometry.resizedHeight) {
            var row = SIMD3<Double>(repeating: 0)
            for x in self.geometry.padLeft..<(self.geometry.padLeft + self.geometry.resizedWidth) {
                let i = (y * width + x) * 3
                row += SIMD3(Double(image[i]), Double(image[i + 1]), Double(image[i + 2]))
            }
            sum += row
        }
        let pixels = Double(self.geometry.resizedWidth * self.geometry.resizedHeight)
        return SIMD3(Float(sum.x / pixels), Float(sum.y / pixels), Float(sum.z / pixels))
    }

    /// Writes the variant of cell `(row, column)`: `image` with the cell's patch filled with `fill`.
    /// `output` must be as large as `image`.
    public func writeVariant(
        of image: UnsafeBufferPointer<Float>, row: Int, column: Int, fill: SIMD3<Float>, into output: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(output.count == image.count, "a variant is one image of the model input")
        _ = output.update(fromContentsOf: image)
        let (rows, columns) = self.patch(row: row, column: column)
        let width = self.geometry.targetWidth
        for y in rows {
            for x in columns {
                let i = (y * width + x) * 3
                output[i] = fill.x
                output[i + 1] = fill.y
                output[i + 2] = fill.z
            }
        }
    }

    /// `drops[row][column]`: `original[class] − variants[cell][class]`, the variants in row-major order.
    public func drops(class index: Int, original: [Float], variants: ArraySlice<[Float]>) -> [[Float]] {
        precondition(variants.count == self.cellCount, "one variant per cell")
        let base = variants.startIndex
        return (0..<self.grid).map { row in
            (0..<self.grid).map { column in original[index] - variants[base + row * self.grid + column][index] }
        }
    }
}
