import Foundation
import HublotCore
import Testing

/// HublotCore against TensorFlow's reference tensors for the real photos.
@Suite("Parity with TensorFlow on the real photos")
struct ParityTests {
    @Test("preprocessed input within 1e-5 of TF, probabilities within 1e-4, same top-5")
    func photosMatchReference() throws {
        let reference = try ReferenceSet.load()
        let classifier = try Fixtures.defaultClassifier()
        #expect(reference.images.count >= 4)
        for entry in reference.images {
            let bytes = try Fixtures.photo("\(entry.stem).jpg")
            var batch = classifier.makeBatch(count: 1)
            _ = try classifier.prepare(bytes, into: &batch, at: 0)
            let expectedInput = try readFloats(Fixtures.reference.appendingPathComponent(entry.input))
            let inputDiff = maxAbsDiff(batch.values, expectedInput)
            #expect(inputDiff <= 1e-5, "\(entry.stem): preprocessed input differs by \(inputDiff)")

            let probabilities = try classifier.run(batch).probabilities[0]
            let expected = try readFloats(Fixtures.reference.appendingPathComponent(entry.probabilities))
            let probabilityDiff = maxAbsDiff(probabilities, expected)
            #expect(probabilityDiff <= 1e-4, "\(entry.stem): probabilities differ by \(probabilityDiff)")
            #expect(classifier.topK(probabilities, k: 5).map(\.index) == entry.top5, "\(entry.stem): top-5")
        }
    }
}
