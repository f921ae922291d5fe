import Foundation
import Testing

/// Runs the built `hublot` executable as a subprocess, with a time bound.
enum CommandRunner {
    /// What a run produced.
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `hublot` binary: `$HUBLOT_BIN`, else beside the test bundle, else `.build/debug/hublot`.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["HUBLOT_BIN"], !path.isEmpty {
            return try Fixtures.require(URL(fileURLWithPath: path), "hublot binary (HUBLOT_BIN)", make: "`swift build --product hublot`")
        }
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [besideTests, besideTests.deletingLastPathComponent(), Fixtures.packageRoot.appendingPathComponent(".build/debug")] {
            let candidate = folder.appendingPathComponent("hublot")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return try Fixtures.require(
            Fixtures.packageRoot.appendingPathComponent(".build/debug/hublot"), "hublot binary",
            make: "`swift build --build-tests` (builds the hublot product)")
    }

    /// Runs `hublot ARGS`, killing it after `timeout` seconds.
    static func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> Output {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        // Read both pipes on other threads so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            Issue.record("hublot \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        process.waitUntilExit()
        _ = group.wait(timeout: .now() + 10)
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
