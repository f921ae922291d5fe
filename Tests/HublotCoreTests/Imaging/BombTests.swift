import HublotCore
import Testing

/// Images that cost far more to decode than their size suggests are refused before decoding
/// (issue 14, items 3 and 4). Fixtures: Tests/Fixtures/make_core_fixtures.py.
@Suite("Decoding bombs")
struct BombTests {
    private func decodeError(_ name: String, options: DecodeOptions = .init()) throws -> HublotError? {
        let bytes = try Fixtures.image(name)
        do {
            _ = try ImageDecoder(options: options).decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("a 16-bit 6324×6324 PNG (under 40 MP) is refused for its decoded bytes, before any pixel buffer")
    func sixteenBitMemoryBomb() throws {
        let error = try decodeError("bomb16.png")
        #expect(error?.kind == .tooManyPixels)
        #expect(error?.message.contains("MiB") == true, "\(error?.message ?? "")")
        let header = try Fixtures.image("bomb16.png").withUnsafeBytes { raw throws(HublotError) in try ImageDecoder().header(raw) }
        #expect(header.decodedBytes > 500_000_000)
    }

    @Test("the same size at 8 bits passes the limits (it fails later only because its data is a stub)")
    func eightBitSameSizePassesTheLimits() throws {
        let error = try decodeError("bomb8.png")
        #expect(error?.kind == .invalidImage)
    }

    @Test("a progressive JPEG of hundreds of scans is refused as invalid_image, naming the scan limit")
    func scanBomb() throws {
        let error = try decodeError("scans.jpg")
        #expect(error?.kind == .invalidImage)
        #expect(error?.message.contains("\(DecodeOptions.defaultMaxJPEGScans) scans") == true, "\(error?.message ?? "")")
    }

    @Test("an ordinary progressive JPEG decodes")
    func ordinaryProgressive() throws {
        #expect(try decodeError("progressive.jpg") == nil)
    }
}
