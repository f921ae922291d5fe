import CLibFuzzer
import Foundation

/// Runs libFuzzer from a harness's `main.swift`.
///
/// SwiftPM links every executable with `main` renamed to `<Target>_main` (testable executables),
/// which hides libFuzzer's own `main`: so each harness keeps its top-level code and hands its
/// `LLVMFuzzerTestOneInput` to libFuzzer's driver here, with the process's arguments.
public enum LibFuzzer {
    /// The harness callback: one input, returns 0.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs the libFuzzer driver with the process's arguments (fuzzing, `-runs=`, replaying a
    /// crash file, …) and exits with its status.
    public static func main(_ testOneInput: TestOneInput) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }

    /// The input as a buffer (libFuzzer passes a null pointer for the empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
        guard let data else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: data, count: size)
    }

    /// Runs `body` on Swift's concurrency pool and blocks the calling (fuzzer) thread until it ends.
    public static func wait(for body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await body()
            done.signal()
        }
        done.wait()
    }
}
