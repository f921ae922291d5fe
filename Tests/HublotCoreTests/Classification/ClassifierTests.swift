import HublotCore
import Testing

/// Batching, softmax and top-k.
@Suite("Classifier")
struct ClassifierTests {
    @Test("a batch of N images gives the same results as N single runs")
    func batchEqualsSingles() throws {
        let classifier = try Fixtures.defaultClassifier()
        let images = try ["cat.jpg", "bus.jpg", "banana.jpg", "turtle.jpg"].map { try Fixtures.photo($0) }
        var batch = classifier.makeBatch(count: images.count)
        for (i, bytes) in images.enumerated() {
            _ = try classifier.prepare(bytes, into: &batch, at: i)
        }
        let together = try classifier.run(batch).probabilities
        for (i, bytes) in images.enumerated() {
            var single = classifier.makeBatch(count: 1)
            _ = try classifier.prepare(bytes, into: &single, at: 0)
            #expect(single.values == Array(batch.values[(i * single.values.count)..<((i + 1) * single.values.count)]))
            let alone = try classifier.run(single).probabilities[0]
            #expect(maxAbsDiff(alone, together[i]) < 1e-5, "image \(i)")
            #expect(classifier.topK(alone, k: 5).map(\.index) == classifier.topK(together[i], k: 5).map(\.index))
        }
    }

    @Test("classify: the photos' top-1 classes, bad images get their own error")
    func classifyMixed() throws {
        let classifier = try Fixtures.defaultClassifier()
        let inputs = [try Fixtures.photo("cat.jpg"), try Fixtures.image("text.jpg"), try Fixtures.photo("banana.jpg")]
        let results = try classifier.classify(inputs, topK: 3)
        #expect(results.count == 3)
        #expect(try results[0].get().predictions.first?.index == 282)  // tiger cat
        #expect(try results[2].get().predictions.first?.label == "banana")
        guard case .failure(let error) = results[1] else {
            Issue.record("text.jpg should fail")
            return
        }
        #expect(error.kind == .unsupportedImageFormat)
        let timings = try results[0].get().timings
        #expect(timings.decodeMs > 0 && timings.inferenceMs > 0)
    }

    @Test func tinyModelSoftmaxAndLabels() throws {
        let classifier = try Classifier(
            repository: Fixtures.tinyRepository(), name: "tiny", environment: Fixtures.environment)
        try classifier.warmUp()
        var batch = classifier.makeBatch(count: 1)
        try batch.withImage(at: 0) { slot in
            for i in 0..<64 { slot[i * 3 + 2] = 1 }  // all blue
        }
        let probabilities = try classifier.run(batch).probabilities[0]
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-6)
        let top = classifier.topK(probabilities, k: 10)
        #expect(top.count == 4)
        #expect(top[0].label == "blue" && top[0].index == 2)
        #expect(throws: HublotError.self) { try batch.withImage(at: 1) { _ in } }
    }

    @Test("output.activation: logits get a softmax, probabilities are used as they are")
    func activation() throws {
        let repository = try Fixtures.tinyRepository()
        let logits = try Classifier(repository: repository, name: "tiny", environment: Fixtures.environment)
        let probabilities = try Classifier(repository: repository, name: "tiny-probabilities", environment: Fixtures.environment)
        #expect(logits.model.outputIsLogits && !probabilities.model.outputIsLogits)
        var batch = logits.makeBatch(count: 1)
        try batch.withImage(at: 0) { slot in
            for i in 0..<slot.count { slot[i] = Float(i % 7) / 7 }
        }
        let a = try logits.run(batch).probabilities[0]
        let b = try probabilities.run(batch).probabilities[0]
        #expect(maxAbsDiff(a, b) < 1e-6)
        #expect(a != Scores.softmax(a[...]))  // a second softmax would change them
    }

    @Test func softmaxAndTopK() {
        let p = Scores.softmax([1000, 1000, 0][...])
        #expect(abs(p[0] - 0.5) < 1e-6 && p[2] == 0)
        #expect(Scores.topIndices([0.1, 0.5, 0.5, 0.2], k: 3) == [1, 2, 3])
        #expect(Scores.topIndices([0.1], k: 0) == [])
    }
}
