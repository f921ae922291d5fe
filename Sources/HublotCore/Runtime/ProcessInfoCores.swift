import Foundation

/// Counts the processors this process may use.
enum ProcessInfoCores {
    /// Active processors (affinity-aware on Linux through Foundation).
    static var available: Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
