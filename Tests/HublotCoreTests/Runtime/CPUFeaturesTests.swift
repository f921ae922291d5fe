import HublotCore
import Testing

/// Reading the CPU's int8 dot-product instructions from `/proc/cpuinfo`.
@Suite("CPUFeatures")
struct CPUFeaturesTests {
    @Test("x86-64 with AVX-512 VNNI or AVX-VNNI has an int8 dot product; AVX2 alone has not", arguments: [
        ("flags\t\t: fpu sse avx2 avx512f avx512_vnni\nbugs\t\t: spectre\n", true),
        ("processor\t: 0\nflags\t\t: fpu avx2 avx_vnni\n", true),
        ("processor\t: 0\nflags\t\t: fpu sse4_2 avx2 fma\n", false),
    ])
    func x86(cpuinfo: String, expected: Bool) {
        #expect(CPUFeatures(cpuinfo: cpuinfo).hasInt8DotProduct == expected)
    }

    @Test("Arm: the dot-product extension (asimddp) in Features")
    func arm() {
        #expect(CPUFeatures(cpuinfo: "processor\t: 0\nFeatures\t: fp asimd crc32 asimddp\n").hasInt8DotProduct)
        #expect(!CPUFeatures(cpuinfo: "Features\t: fp asimd crc32\n").hasInt8DotProduct)
    }

    @Test("an unreadable or flagless cpuinfo has no feature; a vnni-like word elsewhere does not count")
    func nothing() {
        #expect(CPUFeatures(cpuinfo: "").flags.isEmpty)
        #expect(!CPUFeatures(cpuinfo: "model name\t: avx512_vnni lookalike\nflags\t\t: fpu\n").hasInt8DotProduct)
    }
}
