import Foundation
import Synchronization

/// A real hublot-classifier started as a subprocess on a 127.0.0.1 port it picks, for the route tests.
final class ClassifierProcess: @unchecked Sendable {
    /// The classifier's base URL.
    let url: String
    private let process: Process

    private init(url: String, process: Process) {
        self.url = url
        self.process = process
    }

    /// Starts `hublot-classifier --port 0 --models DIR` and waits until it logs the port it listens on and
    /// `models loaded` (its output is read as it comes: events, no polling), or fails when it exits first.
    static func start(models: URL) async throws -> ClassifierProcess {
        let binary = Fixtures.classifierBinary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw FixtureError("\(binary.path) is missing: run `swift build --product hublot-classifier` (or set HUBLOT_CLASSIFIER_BIN)")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--port", "0", "--models", models.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let listening = "Server started and listening on 127.0.0.1:"
        let watch = OutputWatch(markers: ["models loaded", listening])
        // Read as it comes, for good: the classifier never blocks on a full pipe.
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            watch.received(data)
        }
        try process.run()
        let classifier = ClassifierProcess(url: "", process: process)
        guard let text = await watch.output(),
            let line = text.split(separator: "\n").first(where: { $0.contains(listening) }),
            let port = Int(line[line.range(of: listening)!.upperBound...].prefix(while: \.isNumber))
        else {
            classifier.stop()
            throw FixtureError("hublot-classifier exited before it listened and loaded its models")
        }
        return ClassifierProcess(url: "http://127.0.0.1:\(port)", process: process)
    }

    /// Stops the classifier (SIGTERM, then SIGKILL if still running 10 s later) and waits for it to exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 10) { [self] in
            if self.process.isRunning { kill(pid, SIGKILL) }
        }
        process.waitUntilExit()
    }
}

/// Watches a process's output until every marker has appeared: ``output()`` returns the output read
/// so far then, or nil when the output ended (the process exited) first. The waiter is resumed outside the lock.
final class OutputWatch: Sendable {
    private struct State {
        var text = ""
        var done = false
        var waiter: CheckedContinuation<String?, Never>?
    }

    private let markers: [String]
    private let state = Mutex(State())

    init(markers: [String]) {
        self.markers = markers
    }

    /// More output (empty: the end of it).
    func received(_ data: Data) {
        let resume = self.state.withLock { state -> (CheckedContinuation<String?, Never>, String?)? in
            guard !state.done else { return nil }
            state.text += String(decoding: data, as: UTF8.self)
            let seen = self.markers.allSatisfy(state.text.contains)
            guard seen || data.isEmpty else { return nil }
            state.done = true
            if !seen { state.text = "" }
            guard let waiter = state.waiter.take() else { return nil }
            return (waiter, seen ? state.text : nil)
        }
        if let (waiter, output) = resume { waiter.resume(returning: output) }
    }

    /// Waits for every marker or the end of the output.
    func output() async -> String? {
        await withCheckedContinuation { continuation in
            let now = self.state.withLock { state -> String?? in
                if state.done { return .some(state.text.isEmpty ? nil : state.text) }
                state.waiter = continuation
                return .none
            }
            if let now { continuation.resume(returning: now) }
        }
    }
}
