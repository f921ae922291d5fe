import Foundation

/// `reference.json` written by `hublot-init reference` (see docs/architecture.md).
struct ReferenceSet: Decodable {
    struct Image: Decodable {
        let image: String
        let stem: String
        let input: String
        let probabilities: String
        let top5: [Int]
    }

    let model: String
    let height: Int
    let width: Int
    let classes: Int
    let images: [Image]

    /// Loads the reference set, failing with a message naming the fixture when absent.
    static func load() throws -> ReferenceSet {
        let url = try Fixtures.require(
            Fixtures.reference.appendingPathComponent("reference.json"), "reference tensors (HUBLOT_TEST_REFERENCE)",
            make: "`make test` (runs hublot-init reference into .cache/reference)")
        return try JSONDecoder().decode(ReferenceSet.self, from: Data(contentsOf: url))
    }
}
