import Foundation
import HummingbirdTesting
import HublotVersion
import Testing

@testable import HublotFront

/// Every page's footer names the project's version (`VERSION` at the repository root).
@Suite struct FooterVersionTests {
    @Test func everyPageShowsTheVersionInItsFooter() async throws {
        let version = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(HublotRelease.version == version)
        let footer = "<p class=\"footer-version\">Hublot \(version)</p>"
        let app = try await makeFront(classifierURL: "http://127.0.0.1:\(try refusingLocalPort())")
        try await app.test(.router) { client in
            for uri in ["/?lang=en", "/?lang=fr", "/compare?lang=en", "/no-such-page?lang=fr"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.text.contains(footer), "no version in the footer of \(uri)")
                }
            }
        }
    }
}
