import Foundation

/// What the CPU offers that decides how fast an int8 model runs: an int8 dot-product instruction
/// (AVX-512 VNNI or AVX-VNNI on x86-64, the dot-product extension on Arm). Without one, ONNX Runtime's
/// int8 kernels can be slower than fp32 and, on x86 without VNNI, lose accuracy to saturation.
public struct CPUFeatures: Sendable, Equatable {
    /// The CPU's feature flags (`flags` on x86, `Features` on Arm, in `/proc/cpuinfo`).
    public let flags: Set<String>

    /// The flags that name an int8 dot-product instruction.
    public static let int8DotProductFlags: Set<String> = ["avx512_vnni", "avx_vnni", "asimddp"]

    /// Reads the first `flags` or `Features` line of a `/proc/cpuinfo` text.
    public init(cpuinfo: String) {
        let line = cpuinfo.split(separator: "\n").first { line in
            let key = line.split(separator: ":", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces)
            return key == "flags" || key == "Features"
        }
        let value = line?.split(separator: ":", maxSplits: 1).dropFirst().first ?? ""
        self.flags = Set(value.split(separator: " ").map(String.init))
    }

    /// This machine's, from `/proc/cpuinfo` (no flag at all when it cannot be read).
    public static let current = CPUFeatures(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

    /// Whether the CPU has an int8 dot-product instruction (one of ``int8DotProductFlags``).
    public var hasInt8DotProduct: Bool { !self.flags.isDisjoint(with: Self.int8DotProductFlags) }
}
