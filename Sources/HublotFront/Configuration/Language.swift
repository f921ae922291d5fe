import Foundation

/// A language the site is translated into.
public enum Language: String, Sendable, CaseIterable {
    /// French, the default.
    case french = "fr"
    /// English.
    case english = "en"

    /// Reads a language code such as `fr`, `en-GB` or `EN`; `nil` when it is not one the site speaks.
    public init?(code: String) {
        let primary = code.split(separator: "-").first.map { $0.lowercased() } ?? ""
        guard let language = Language(rawValue: primary.trimmingCharacters(in: .whitespaces)) else { return nil }
        self = language
    }

    /// Picks the best supported language from an `Accept-Language` header (RFC 9110 weights), if any.
    public static func negotiate(acceptLanguage header: String) -> Language? {
        var best: (language: Language, weight: Double)?
        for (position, item) in header.split(separator: ",").enumerated() {
            let pieces = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, let language = Language(code: tag) else { continue }
            var weight = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                weight = Double(parameter.dropFirst(2)) ?? 0
            }
            // Earlier entries win ties, as browsers list them by preference.
            let score = weight - Double(position) * 1e-6
            if weight > 0, score > (best?.weight ?? -1) { best = (language, score) }
        }
        return best?.language
    }
}

