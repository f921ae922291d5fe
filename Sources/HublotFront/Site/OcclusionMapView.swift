import Foundation
import HublotHTTP

/// The values of the `occlusion_map` partial (« Où regarde le modèle ? »): one overlay per explained class,
/// a grid of cells over the photo whose fill opacity grows with the cell's positive drop, normalised to the
/// map's largest one. A cell whose hiding makes the class more likely (a negative drop) is left clear: the
/// legend says so. The page script (app.js) fills the same partial from `/api/explain` with the same rule.
struct OcclusionMapView {
    /// The opacity of the cell with the largest drop: the photo stays visible under the strongest cell.
    static let maxOpacity = 0.7

    let strings: Strings

    /// The map section of a result card: the overlays of `outcome` over `photo`, or a note saying why there is
    /// none (the key `note` is absent otherwise: an empty string would count as present in a mustache section).
    /// `group` names the card's radio buttons, unique in the page; `outcome` is nil when no explanation was
    /// asked because the page cannot show the photo.
    func context(group: String, photo: String, outcome: Result<ClassifierAPI.Explanation, APIError>?, message: (APIError.Code) -> String) -> [String: Any] {
        var context: [String: Any] = ["group": group, "photo": photo]
        switch outcome {
        case nil:
            context["choices"] = [Any]()
            context["note"] = strings["map_no_photo"]
        case .success(let explanation):
            context["choices"] = explanation.maps.enumerated().map { position, map in
                choice(map, grid: explanation.grid, id: "\(group)-\(position + 1)", checked: position == 0)
            }
            if explanation.maps.isEmpty { context["note"] = strings["map_none"] }
        case .failure(let error):
            context["choices"] = [Any]()
            context["note"] = strings["map_missing"].replacingOccurrences(of: "{reason}", with: message(error.code))
        }
        return context
    }

    /// The empty map the page script clones: one choice with one cell, so each element has a prototype.
    func skeleton() -> [String: Any] {
        [
            "group": "", "photo": "",
            "choices": [["id": "", "index": "", "label": "", "percent": "", "checked": true, "grid": 1, "alt": "",
                         "cells": [["x": 0, "y": 0, "opacity": "0"]]] as [String: Any]],
        ]
    }

    /// The localized names of the nine regions, by key (`region_top_left`…), for the page script.
    var regionNames: [[String: String]] {
        Self.regionKeys.map { ["key": $0, "text": strings[$0]] }
    }

    private func choice(_ map: ClassifierAPI.OcclusionMap, grid: Int, id: String, checked: Bool) -> [String: Any] {
        let largest = map.drops.joined().reduce(Float(0)) { max($0, $1) }
        var cells: [[String: Any]] = []
        if largest > 0 {
            for (row, drops) in map.drops.enumerated() {
                for (column, drop) in drops.enumerated() where drop > 0 {
                    let opacity = Self.maxOpacity * Double(drop / largest)
                    cells.append(["x": column, "y": row, "opacity": String(format: "%.2f", opacity)])
                }
            }
        }
        return [
            "id": id, "index": map.index, "label": map.label, "percent": strings.percent(Double(map.probability)),
            "checked": checked, "grid": grid, "cells": cells, "alt": alternative(map, grid: grid),
        ]
    }

    /// The text alternative of a map: the region (of nine) of the cell with the largest positive drop.
    func alternative(_ map: ClassifierAPI.OcclusionMap, grid: Int) -> String {
        guard let (row, column) = Self.strongestCell(map.drops) else {
            return strings["map_no_region"].replacingOccurrences(of: "{label}", with: map.label)
        }
        let region = strings[Self.regionKey(row: row, column: column, grid: grid)]
        return strings["map_strongest"].replacingOccurrences(of: "{label}", with: map.label).replacingOccurrences(of: "{region}", with: region)
    }

    /// The cell with the largest positive drop (the first one, row by row, on a tie); `nil` when no drop is positive.
    static func strongestCell(_ drops: [[Float]]) -> (row: Int, column: Int)? {
        var best: (row: Int, column: Int, drop: Float)?
        for (row, values) in drops.enumerated() {
            for (column, drop) in values.enumerated() where drop > 0 && drop > (best?.drop ?? 0) {
                best = (row, column, drop)
            }
        }
        return best.map { ($0.row, $0.column) }
    }

    /// The region of a cell: the photo in thirds, by the cell's centre (`region_top_left` … `region_bottom_right`).
    static func regionKey(row: Int, column: Int, grid: Int) -> String {
        func third(_ position: Int) -> Int { min(2, max(0, (6 * position + 3) / (2 * grid))) }  // ⌊3 (position + ½) / grid⌋
        return regionKeys[third(row) * 3 + third(column)]
    }

    /// The nine regions, row by row.
    static let regionKeys = [
        "region_top_left", "region_top", "region_top_right",
        "region_left", "region_centre", "region_right",
        "region_bottom_left", "region_bottom", "region_bottom_right",
    ]
}
