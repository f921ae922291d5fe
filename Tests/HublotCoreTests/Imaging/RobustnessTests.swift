import HublotCore
import Testing

/// Damaged files never crash the decoder: each gives an image or a typed error.
@Suite("Decoder robustness")
struct RobustnessTests {
    private static let allowed: Set<HublotError.Kind> = [.emptyImage, .unsupportedImageFormat, .invalidImage, .tooManyPixels]

    private func check(_ bytes: [UInt8], _ what: String) {
        do {
            let image = try ImageDecoder().decode(bytes)
            #expect(image.width > 0 && image.height > 0, "\(what)")
        } catch {
            #expect(Self.allowed.contains(error.kind), "\(what): \(error)")
        }
    }

    @Test("every truncation of a JPEG and a PNG")
    func truncations() throws {
        for name in ["rgb.jpg", "rgb.png", "gray.png", "palette.png", "rgb16.png", "cmyk.jpg"] {
            let bytes = try Fixtures.image(name)
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
                check(Array(bytes[0..<length]), "\(name) cut at \(length)")
            }
        }
    }

    @Test("bytes flipped at random (fixed seed)")
    func corruption() throws {
        var generator = SplitMix64(seed: 42)
        for name in ["rgb.jpg", "rgb.png", "cmyk.jpg"] {
            let original = try Fixtures.image(name)
            for round in 0..<150 {
                var bytes = original
                for _ in 0..<(1 + round % 8) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                check(bytes, "\(name) round \(round)")
            }
        }
    }
}

/// A small deterministic random generator.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
