import AsyncHTTPClient
import Foundation

/// A real hublot-classifier started as a subprocess on a free 127.0.0.1 port, for the route tests.
final class ClassifierProcess: @unchecked Sendable {
    /// The classifier's base URL.
    let url: String
    private let process: Process

    private init(url: String, process: Process) {
        self.url = url
        self.process = process
    }

    /// Starts `hublot-classifier --port P --models DIR` and waits (at most `readyWithin`) until `/v2/health/ready` is 200.
    static func start(models: URL, readyWithin: Duration = .seconds(180)) async throws -> ClassifierProcess {
        let binary = Fixtures.classifierBinary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw FixtureError("\(binary.path) is missing: run `swift build --product hublot-classifier` (or set HUBLOT_CLASSIFIER_BIN)")
        }
        let port = try freeLocalPort()
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--port", String(port), "--models", models.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let classifier = ClassifierProcess(url: "http://127.0.0.1:\(port)", process: process)
        do {
            try await classifier.waitUntilReady(within: readyWithin)
        } catch {
            classifier.stop()
            throw error
        }
        return classifier
    }

    private func waitUntilReady(within limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw FixtureError("hublot-classifier exited with status \(process.terminationStatus) before it was ready")
            }
            var request = HTTPClientRequest(url: url + "/v2/health/ready")
            request.method = .GET
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw FixtureError("hublot-classifier was not ready within \(limit)")
    }

    /// Stops the classifier (SIGTERM, then SIGKILL after 10 s) and waits for it to exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
