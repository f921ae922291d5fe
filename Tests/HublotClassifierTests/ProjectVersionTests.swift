import Foundation
import HublotClassifier
import HublotVersion
import Testing

/// The project's version as `VERSION` at the repository root holds it.
func projectVersion() throws -> String {
    try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("VERSION"), encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// One version for the project: the constant the programs report is `VERSION`'s.
@Suite struct ProjectVersionTests {
    @Test("HublotRelease.version and the /v2 server version are VERSION's")
    func constantIsTheVersionFile() throws {
        let version = try projectVersion()
        #expect(version.split(separator: ".").count == 3)
        #expect(HublotRelease.version == version)
        #expect(OpenInferenceService.serverVersion == version)
    }
}
