import Foundation

/// The translated strings of the site, read from `Resources/i18n/<code>.json` (flat key → text).
public struct Strings: Sendable {
    /// The language these strings are in.
    public let language: Language
    /// Every string, by key.
    public let table: [String: String]

    /// Returns the string for `key`, or the key itself so that a missing translation is visible rather than blank.
    public subscript(_ key: String) -> String { table[key] ?? key }

    /// Formats a probability in [0, 1] as a percentage with one decimal, in this language's style.
    public func percent(_ probability: Double) -> String {
        let value = String(format: "%.1f", probability * 100)
        return language == .french ? value.replacingOccurrences(of: ".", with: ",") + "\u{202F}%" : value + "%"
    }

    /// Formats a duration in milliseconds with one decimal.
    public func milliseconds(_ value: Double) -> String {
        let text = String(format: "%.1f", value)
        return (language == .french ? text.replacingOccurrences(of: ".", with: ",") : text) + "\u{202F}ms"
    }
}

/// All translations, loaded once at start-up.
public struct Translations: Sendable {
    private let byLanguage: [Language: Strings]

    /// Loads every language's strings from the module's resources.
    public init() throws {
        var byLanguage: [Language: Strings] = [:]
        for language in Language.allCases {
            guard let url = FrontResources.url("i18n/\(language.rawValue).json") else {
                throw FrontResourceError.missing("i18n/\(language.rawValue).json")
            }
            let table = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
            byLanguage[language] = Strings(language: language, table: table)
        }
        self.byLanguage = byLanguage
    }

    /// The strings of one language.
    public func strings(_ language: Language) -> Strings {
        byLanguage[language] ?? Strings(language: language, table: [:])
    }
}
