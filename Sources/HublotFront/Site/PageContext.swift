import Foundation
import HublotHTTP
import HublotVersion

/// Builds the values the templates read. Everything shown comes from the translations or from data that
/// the templates escape.
struct PageContext {
    let strings: Strings
    let path: String
    let configuration: FrontConfiguration

    /// The values every page needs: language, translations, navigation, language switch.
    func base(title: String, isCompare: Bool) -> [String: Any] {
        [
            "lang": strings.language.rawValue,
            "t": strings.table,
            "version": HublotRelease.version,
            "page_title": title,
            "nav_home": !isCompare,
            "nav_compare": isCompare,
            "languages": Language.allCases.map { language -> [String: Any] in
                [
                    "code": language.rawValue,
                    "short": language.rawValue.uppercased(),
                    "name": language == .french ? "Français" : "English",
                    "href": "\(path)?lang=\(language.rawValue)",
                    "current": language == strings.language,
                ]
            },
            "top_k": configuration.topK,
            "max_upload_bytes": configuration.maxUploadBytes,
            "results_title": strings[isCompare ? "compare_results_title" : "results_title"],
            "drop_limits": strings.format("drop_limits", max: maxMebibytes),
            "messages": Self.messageCodes.map { ["code": $0.rawValue, "text": message(for: $0)] },
            "skeleton": [
                "model": "", "file_name": "", "predictions": [Any](),
                "timings": timings(nil), "map": occlusionMaps.skeleton(),
            ] as [String: Any],
            "map_regions": occlusionMaps.regionNames,
            "map_classes": ExplainParameters.maxClasses,
            "skeleton_row": ["label": "", "percent": "", "value": "0", "top": false] as [String: Any],
        ]
    }

    /// The translated, person-readable message for an error code.
    func message(for code: APIError.Code) -> String {
        let key = "error_\(code.rawValue)"
        let known = strings.table[key] != nil ? key : "error_internal"
        return strings.format(known, max: maxMebibytes).replacingOccurrences(of: "{max_models}", with: String(UploadForm.maxModels))
    }

    /// The alert at the top of a page.
    func notice(_ error: APIError, requestID: String) -> [String: Any] {
        [
            "title": strings[error.code == .classifierUnavailable ? "error_unavailable_title" : "error_title"],
            "message": message(for: error.code),
            "code": error.code.rawValue,
            "request_id": requestID,
        ]
    }

    /// The model picker: groups by family, each model with its size, status (and why it failed) and
    /// selection. Only a `ready` model can be chosen; `loading` and `failed` ones are listed, disabled.
    func modelGroups(_ list: ClassifierAPI.ModelList?, selected: [String]) -> [[String: Any]] {
        guard let list else { return [] }
        var order: [String] = []
        var byFamily: [String: [[String: Any]]] = [:]
        for model in Self.variantsBesideTheirModel(list.models) {
            let family = model.family.flatMap { $0.isEmpty ? nil : $0 } ?? strings["other_family"]
            if byFamily[family] == nil { order.append(family) }
            let status = model.status ?? "ready"
            let size = model.input.map { "\($0.width)\u{00D7}\($0.height)" } ?? "?"
            var entry: [String: Any] = [
                "name": model.name,
                "size": size,
                "status": status,
                "status_text": strings.table["status_\(status)"] ?? strings["status_unknown"],
                "ready": status == "ready",
                "is_default": model.name == list.default,
                "selected": selected.contains(model.name),
            ]
            if status == "failed", let reason = model.reason, !reason.isEmpty { entry["reason"] = reason }
            if let precision = model.precision, precision != "fp32" {
                entry["precision"] = strings.table["precision_\(precision)"] ?? precision
            }
            if let warning = model.warning, !warning.isEmpty { entry["warning"] = warning }
            byFamily[family, default: []].append(entry)
        }
        return order.map { ["family": $0, "models": byFamily[$0] ?? []] }
    }

    /// The models in the classifier's order, but each quantized variant (an int8 model: its
    /// `source_model` names another model of the list) right after its fp32 model.
    static func variantsBesideTheirModel(_ models: [ClassifierAPI.Model]) -> [ClassifierAPI.Model] {
        let names = Set(models.map(\.name))
        let isVariant = { (model: ClassifierAPI.Model) in model.sourceModel.map { names.contains($0) && $0 != model.name } ?? false }
        var ordered: [ClassifierAPI.Model] = []
        for model in models where !isVariant(model) {
            ordered.append(model)
            ordered += models.filter { isVariant($0) && $0.sourceModel == model.name }
        }
        return ordered
    }

    /// The renderer of the occlusion maps, in this page's language.
    var occlusionMaps: OcclusionMapView { OcclusionMapView(strings: strings) }

    /// One result card from a classification (or an error for that model), with its occlusion map section when
    /// `map` is given: the overlays over `photo` (its radio buttons named `group`), or the note saying why not
    /// (the explanation's error, or no explanation asked: `outcome` nil).
    func resultCard(
        model: String, fileName: String, outcome: Result<ClassifierAPI.Classification, APIError>,
        map: (group: String, photo: String, outcome: Result<ClassifierAPI.Explanation, APIError>?)? = nil
    ) -> [String: Any] {
        switch outcome {
        case .success(let classification):
            var card: [String: Any] = [
                "model": classification.model,
                "file_name": fileName,
                "predictions": classification.predictions.enumerated().map { position, prediction -> [String: Any] in
                    [
                        "label": prediction.label,
                        "percent": strings.percent(Double(prediction.probability)),
                        "value": String(format: "%.2f", max(0, min(1, Double(prediction.probability))) * 100),
                        "top": position == 0,
                    ]
                },
                "timings": timings(classification.timings),
            ]
            if let map {
                card["map"] = occlusionMaps.context(group: map.group, photo: map.photo, outcome: map.outcome, message: message(for:))
            }
            return card
        case .failure(let error):
            return [
                "model": model, "file_name": fileName, "predictions": [Any](), "timings": timings(nil),
                "card_error": ["message": message(for: error.code), "code": error.code.rawValue],
            ]
        }
    }

    /// The timings list; `—` where a value is missing.
    func timings(_ timings: ClassifierAPI.Timings?) -> [[String: Any]] {
        let rows: [(String, String, Double?)] = [
            ("decode_ms", "timing_decode", timings?.decodeMs),
            ("preprocess_ms", "timing_preprocess", timings?.preprocessMs),
            ("queue_ms", "timing_queue", timings?.queueMs),
            ("inference_ms", "timing_inference", timings?.inferenceMs),
            ("total_ms", "timing_total", timings?.totalMs),
        ]
        return rows.map { key, label, value in
            ["key": key, "label": strings[label], "value": value.map(strings.milliseconds) ?? "—", "is_total": key == "total_ms"]
        }
    }

    private var maxMebibytes: String {
        let value = Double(configuration.maxUploadBytes) / 1_048_576
        return value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// Every code the page script may need to translate: all of them.
    static var messageCodes: [APIError.Code] { APIError.Code.allCases }
}

extension Strings {
    /// The string for `key` with `{max}` replaced.
    func format(_ key: String, max: String) -> String {
        self[key].replacingOccurrences(of: "{max}", with: max)
    }
}
