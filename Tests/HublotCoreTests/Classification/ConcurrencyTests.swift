import HublotCore
import Testing

/// One classifier shared by concurrent tasks (the server's situation).
@Suite("Classifier under concurrency")
struct ConcurrencyTests {
    @Test("tasks preparing and running at once get the same answers as a single thread")
    func concurrentUse() async throws {
        let classifier = try Fixtures.defaultClassifier()
        let images = try ["cat.jpg", "bus.jpg", "banana.jpg", "turtle.jpg"].map { try Fixtures.photo($0) }
        let expected = try classifier.classify(images, topK: 3).map { try $0.get().predictions.map(\.index) }
        let answers = try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
            for task in 0..<8 {
                group.addTask {
                    let i = task % images.count
                    var batch = classifier.makeBatch(count: 1)
                    _ = try classifier.prepare(images[i], into: &batch, at: 0)
                    let probabilities = try classifier.run(batch).probabilities[0]
                    return (i, classifier.topK(probabilities, k: 3).map(\.index))
                }
            }
            var collected: [(Int, [Int])] = []
            for try await answer in group { collected.append(answer) }
            return collected
        }
        #expect(answers.count == 8)
        for (i, top3) in answers {
            #expect(top3 == expected[i], "image \(i)")
        }
    }
}
