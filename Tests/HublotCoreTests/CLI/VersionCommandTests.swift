import Foundation
import Testing

/// `hublot --version` prints the project's version (`VERSION` at the repository root).
@Suite("hublot --version")
struct VersionCommandTests {
    @Test("prints VERSION and exits 0")
    func printsTheVersion() throws {
        let version = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let output = try CommandRunner.run(["--version"])
        #expect(output.status == 0)
        #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == version)
    }
}
