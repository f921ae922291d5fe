import Foundation

/// A `Content-Disposition` header of a form part (`form-data; name="image"; filename="a;b.jpg"`), parsed
/// honouring quotes, so that names and file names may contain `;`, `=` or an escaped `\"`.
public struct ContentDisposition: Sendable, Equatable {
    /// The disposition type, lowercased (`form-data`).
    public var type: String
    /// The parameters by lowercased name, values unquoted and unescaped.
    public var parameters: [String: String]

    /// The `name` parameter (the form field).
    public var name: String? { parameters["name"] }
    /// The `filename` parameter (untrusted: escape it wherever it is shown).
    public var fileName: String? { parameters["filename"] }

    /// Parses a header value; never fails (unreadable pieces are skipped).
    public init(parsing header: String) {
        var parameters: [String: String] = [:]
        var rest = Substring(header)
        self.type = Self.token(&rest).lowercased()
        while !rest.isEmpty {
            rest = rest.drop { $0 == ";" || $0 == " " || $0 == "\t" }
            let key = Self.token(&rest).lowercased()
            var value = ""
            if rest.first == "=" {
                rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
                value = rest.first == "\"" ? Self.quoted(&rest) : Self.token(&rest)
            }
            rest = rest.drop { $0 != ";" }
            if !key.isEmpty { parameters[key] = value }
        }
        self.parameters = parameters
    }

    /// Reads up to `;`, `=` or the end, trimmed.
    private static func token(_ text: inout Substring) -> String {
        let end = text.firstIndex { $0 == ";" || $0 == "=" } ?? text.endIndex
        defer { text = text[end...] }
        return text[..<end].trimmingCharacters(in: .whitespaces)
    }

    /// Reads a quoted string starting at `"`, resolving `\` escapes; stops at the closing quote or the end.
    private static func quoted(_ text: inout Substring) -> String {
        var value = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex, text[index] != "\"" {
            if text[index] == "\\", text.index(after: index) < text.endIndex { index = text.index(after: index) }
            value.append(text[index])
            index = text.index(after: index)
        }
        text = index < text.endIndex ? text[text.index(after: index)...] : text[text.endIndex...]
        return value
    }
}
