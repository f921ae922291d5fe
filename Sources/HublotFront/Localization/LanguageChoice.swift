import Hummingbird

/// The language of one request: `?lang=` (remembered in a cookie), else the cookie, else `Accept-Language`,
/// else the configured default.
struct LanguageChoice {
    /// The cookie that remembers a language chosen on the page.
    static let cookieName = "hublot_lang"

    /// The chosen language.
    let language: Language
    /// Whether the choice came from `?lang=` and must be stored in the cookie.
    let remember: Bool

    init(request: Request, default fallback: Language) {
        if let code = request.uri.queryParameters.get("lang"), let language = Language(code: code) {
            self.language = language
            self.remember = true
        } else if let code = request.cookies[Self.cookieName]?.value, let language = Language(code: code) {
            self.language = language
            self.remember = false
        } else if let header = request.headers[.acceptLanguage], let language = Language.negotiate(acceptLanguage: header) {
            self.language = language
            self.remember = false
        } else {
            self.language = fallback
            self.remember = false
        }
    }

    /// Adds the cookie to `response` when the language was chosen explicitly.
    func apply(to response: inout Response) {
        guard remember else { return }
        response.setCookie(
            Cookie(
                name: Self.cookieName, value: language.rawValue, maxAge: 365 * 24 * 3600, path: "/",
                httpOnly: true, sameSite: .lax))
    }
}
