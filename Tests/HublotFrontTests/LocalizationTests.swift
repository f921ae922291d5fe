import Foundation
import HublotHTTP
import Testing

@testable import HublotFront

@Suite struct LocalizationTests {
    @Test func bothLanguagesHaveTheSameNonEmptyKeys() throws {
        let translations = try Translations()
        let french = translations.strings(.french).table
        let english = translations.strings(.english).table
        #expect(Set(french.keys) == Set(english.keys))
        #expect(french.count > 40)
        for (key, value) in french.merging(english, uniquingKeysWith: { $0 + $1 }) {
            #expect(!value.trimmingCharacters(in: .whitespaces).isEmpty, "empty translation for \(key)")
        }
    }

    @Test(arguments: APIError.Code.allCases)
    func everyErrorCodeIsTranslatedInBothLanguages(code: APIError.Code) throws {
        let translations = try Translations()
        for language in Language.allCases {
            #expect(translations.strings(language).table["error_\(code.rawValue)"] != nil, "no \(language) message for \(code)")
        }
    }

    @Test(arguments: [
        ("fr-FR,fr;q=0.9,en;q=0.8", Language.french),
        ("en-GB,en;q=0.9", .english),
        ("de-DE,de;q=0.9,en;q=0.5,fr;q=0.4", .english),
        ("fr;q=0.3,en;q=0.7", .english),
        ("EN", .english),
    ])
    func acceptLanguageIsNegotiated(header: String, expected: Language) {
        #expect(Language.negotiate(acceptLanguage: header) == expected)
    }

    @Test func unsupportedOrRefusedLanguagesGiveNothing() {
        #expect(Language.negotiate(acceptLanguage: "de-DE,es;q=0.8") == nil)
        #expect(Language.negotiate(acceptLanguage: "fr;q=0") == nil)
        #expect(Language.negotiate(acceptLanguage: "") == nil)
    }

    @Test func numbersFollowTheLanguage() throws {
        let translations = try Translations()
        #expect(translations.strings(.french).percent(0.4321) == "43,2\u{202F}%")
        #expect(translations.strings(.english).percent(0.4321) == "43.2%")
        #expect(translations.strings(.english).milliseconds(12.345) == "12.3\u{202F}ms")
    }
}
