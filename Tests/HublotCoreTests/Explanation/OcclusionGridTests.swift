import HublotCore
import Testing

/// The occlusion grid's geometry and variants, on synthetic images.
@Suite("OcclusionGrid")
struct OcclusionGridTests {
    /// A 640×480 photo in a 224×224 input: 224×168, 28 rows of padding above.
    static let landscape = try! ResizeGeometry(width: 640, height: 480, targetWidth: 224, targetHeight: 224)

    @Test("patches stay inside the photo, hold their own cell, and together cover every pixel of it", arguments: [2, 7, 14])
    func patchesCoverThePhoto(grid n: Int) {
        let grid = OcclusionGrid(grid: n, geometry: Self.landscape)
        let g = Self.landscape
        #expect(g.padTop == 28 && g.resizedHeight == 168 && g.padLeft == 0)
        var covered = Set<Int>()
        for row in 0..<n {
            for column in 0..<n {
                let (rows, columns) = grid.patch(row: row, column: column)
                #expect(rows.lowerBound >= g.padTop && rows.upperBound <= g.padTop + g.resizedHeight)
                #expect(columns.lowerBound >= g.padLeft && columns.upperBound <= g.padLeft + g.resizedWidth)
                // The cell: [i·L/n, (i+1)·L/n) of the photo.
                let cellRows = (g.padTop + row * g.resizedHeight / n)..<(g.padTop + (row + 1) * g.resizedHeight / n)
                let cellColumns = (column * g.resizedWidth / n)..<((column + 1) * g.resizedWidth / n)
                #expect(rows.clamped(to: cellRows) == cellRows)
                #expect(columns.clamped(to: cellColumns) == cellColumns)
                // Two cells wide, give or take the rounding and the clipping.
                #expect(columns.count <= 2 * g.resizedWidth / n + 2)
                for y in rows { for x in columns { covered.insert(y * g.targetWidth + x) } }
            }
        }
        #expect(covered.count == g.resizedWidth * g.resizedHeight)
    }

    @Test("a tiny photo still gets a patch of at least one pixel per cell")
    func tinyPhoto() throws {
        let grid = OcclusionGrid(grid: 14, geometry: try ResizeGeometry(width: 3, height: 3, targetWidth: 4, targetHeight: 4))
        for i in 0..<14 { #expect(!grid.patch(row: i, column: i).rows.isEmpty) }
    }

    @Test("a variant is the image with the cell's patch, and only it, set to the photo's mean colour, padding excluded")
    func variantFillsThePatchWithTheMean() {
        let g = Self.landscape
        let grid = OcclusionGrid(grid: 7, geometry: g)
        // Left half of the photo red (1, 0, 0), right half blue (0, 0, 1), padding zero.
        var image = [Float](repeating: 0, count: 224 * 224 * 3)
        for y in g.padTop..<(g.padTop + g.resizedHeight) {
            for x in 0..<224 { image[(y * 224 + x) * 3 + (x < 112 ? 0 : 2)] = 1 }
        }
        image.withUnsafeBufferPointer { source in
            let mean = grid.meanColour(of: source)
            #expect(abs(mean.x - 0.5) < 1e-6 && mean.y == 0 && abs(mean.z - 0.5) < 1e-6)
            var variant = [Float](repeating: -1, count: image.count)
            variant.withUnsafeMutableBufferPointer { grid.writeVariant(of: source, row: 3, column: 0, fill: mean, into: $0) }
            let (rows, columns) = grid.patch(row: 3, column: 0)
            for y in 0..<224 {
                for x in 0..<224 {
                    let i = (y * 224 + x) * 3
                    let inside = rows.contains(y) && columns.contains(x)
                    let expected = inside ? [mean.x, mean.y, mean.z] : Array(image[i..<(i + 3)])
                    #expect(Array(variant[i..<(i + 3)]) == expected, "pixel (\(x), \(y))")
                    if Array(variant[i..<(i + 3)]) != expected { return }
                }
            }
        }
    }

    @Test("every variant of a uniform photo is the photo itself")
    func uniformPhotoIsUnchanged() {
        let grid = OcclusionGrid(grid: 7, geometry: Self.landscape)
        var image = [Float](repeating: 0, count: 224 * 224 * 3)
        let g = Self.landscape
        for y in g.padTop..<(g.padTop + g.resizedHeight) {
            for x in 0..<224 { image.replaceSubrange(((y * 224 + x) * 3)..<((y * 224 + x) * 3 + 3), with: [0.2, 0.6, 0.4]) }
        }
        image.withUnsafeBufferPointer { source in
            let mean = grid.meanColour(of: source)
            var variant = [Float](repeating: 0, count: image.count)
            for cell in [0, 24, 48] {
                variant.withUnsafeMutableBufferPointer { grid.writeVariant(of: source, row: cell / 7, column: cell % 7, fill: mean, into: $0) }
                let largest = zip(variant, image).map { abs($0 - $1) }.max() ?? 0
                #expect(largest < 1e-6)
            }
        }
    }

    @Test("a drop is the class's probability on the photo minus on the cell's variant, row-major")
    func dropsAreRowMajor() {
        let grid = OcclusionGrid(grid: 2, geometry: Self.landscape)
        let variants: [[Float]] = [[0, 0.9], [0, 0.5], [0, 0.8], [0, 1.0]]
        // The variants follow the photo's own output in the model's answers: a slice that does not start at 0.
        let outputs: [[Float]] = [[0.1, 0.9]] + variants
        let drops = grid.drops(class: 1, original: outputs[0], variants: outputs[1...])
        #expect(drops.count == 2)
        #expect(abs(drops[0][0]) < 1e-6 && abs(drops[0][1] - 0.4) < 1e-6)
        #expect(abs(drops[1][0] - 0.1) < 1e-6 && abs(drops[1][1] + 0.1) < 1e-6)
    }
}
