import HublotAPI
import HublotCore
import HublotHTTP
import Synchronization

/// Computes occlusion maps (HublotCore's ``OcclusionGrid``): the photo is decoded and preprocessed
/// once, then it and its `grid²` variants run through the model's batch queue in its low-priority lane,
/// one batch of `explainBatchSize` images at a time, so that a classification never waits for more than
/// one such batch. At most `maxExplanations` run at once; one more is refused at once with 503
/// `overloaded`, and each holds at most one batch in the queue, so the lane never refuses one admitted here.
public final class ExplanationService: Sendable {
    /// Classification's service: the models, the decode pool and budget, the queues.
    public let classification: ClassificationService
    /// Explanations in progress.
    private let running = Mutex(0)

    /// Creates the service over `classification`.
    public init(classification: ClassificationService) {
        self.classification = classification
    }

    private var configuration: ClassifierConfiguration { self.classification.configuration }

    /// The occlusion maps of `bytes` for `parameters` (the top-1 when it names no class) with `asked`,
    /// and the photo's top `topK` classes. Errors as for a classification, plus 400 for a class the model
    /// does not have and 503 `overloaded` when `maxExplanations` are running.
    public func explain(
        _ bytes: [UInt8], model asked: ReadyModel, parameters: ExplainParameters, topK: Int, startedAt: ContinuousClock.Instant
    ) async throws -> Explanation {
        let classes = asked.model.classCount
        if let wrong = parameters.classes.first(where: { $0 >= classes }) {
            throw APIError.badRequest("class \(wrong) does not exist: model '\(asked.name)' has classes 0 to \(classes - 1)")
        }
        guard self.enter() else {
            self.classification.metrics.recordExplanationRejection(model: asked.name)
            throw APIError.overloaded(
                self.configuration.maxExplanations == 0
                    ? "explanations are disabled on this server (--max-explanations 0)"
                    : "\(self.configuration.maxExplanations) explanations are being computed, the most this server computes at once; retry later",
                retryAfterSeconds: self.configuration.retryAfterSeconds)
        }
        defer { self.leave() }

        let model = asked.model
        let photo = BatchBuffer(rows: 1, valuesPerImage: model.valuesPerImage)
        let prepared = try await self.classification.prepare(bytes, model: model, into: photo, row: 0)
        let geometry: ResizeGeometry
        do {
            geometry = try ResizeGeometry(width: prepared.width, height: prepared.height, targetWidth: model.inputWidth, targetHeight: model.inputHeight)
        } catch {
            throw ClassificationService.apiError(error)
        }
        let grid = OcclusionGrid(grid: parameters.grid, geometry: geometry)
        let fill = grid.meanColour(of: UnsafeBufferPointer(photo.row(0)))

        // Image 0 is the photo, image 1 + r·grid + c the variant of cell (r, c).
        let total = 1 + grid.cellCount
        let chunk = max(1, min(self.configuration.explainBatchSize, asked.queue.maxBatchSize))
        var outputs: [[Float]] = []
        outputs.reserveCapacity(total)
        var queued = Duration.zero, inference = Duration.zero
        var start = 0
        while start < total {
            let count = min(chunk, total - start)
            let (ready, slots) = try self.classification.admit(count, to: asked, priority: .low)
            guard ready.version == asked.version else {
                for slot in slots { ready.queue.withdraw(slot) }
                throw APIError.modelNotReady(
                    "model '\(asked.name)' was replaced by version \(ready.version) during the explanation; send it again",
                    retryAfterSeconds: self.configuration.retryAfterSeconds)
            }
            let buffer = ready.queue.buffer(of: slots[0]), first = start
            do {
                try await self.classification.decodePool.runIfActive {
                    let source = UnsafeBufferPointer(photo.row(0))
                    for (offset, slot) in slots.enumerated() {
                        let image = first + offset
                        if image == 0 {
                            _ = buffer.row(slot.index).update(fromContentsOf: source)
                        } else {
                            let cell = image - 1
                            grid.writeVariant(of: source, row: cell / grid.grid, column: cell % grid.grid, fill: fill, into: buffer.row(slot.index))
                        }
                    }
                }
            } catch {
                for slot in slots { ready.queue.withdraw(slot) }
                throw error
            }
            let results = try await self.classification.results(of: slots, in: ready, recordingWaits: false)
            outputs += results.map(\.output)
            queued += results.reduce(.zero) { $0 + $1.queueDuration }
            inference += results.first?.inferenceDuration ?? .zero
            start += count
        }

        let predictions = model.topK(outputs[0], k: topK)
        let targets = parameters.classes.isEmpty ? [predictions.first?.index ?? 0] : parameters.classes
        // Every class ranked once, for the labels of the classes asked.
        let ranked = Dictionary(uniqueKeysWithValues: model.topK(outputs[0], k: classes).map { ($0.index, $0.label) })
        let maps = targets.map { index in
            OcclusionMap(
                index: index, label: ranked[index] ?? String(index), probability: outputs[0][index],
                drops: grid.drops(class: index, original: outputs[0], variants: outputs[1...]))
        }
        var timings = prepared.timings
        timings.queueMs = queued.milliseconds
        timings.inferenceMs = inference.milliseconds
        timings.totalMs = (ContinuousClock.now - startedAt).milliseconds
        return Explanation(
            model: asked.name, version: asked.version, predictions: predictions, grid: grid.grid, maps: maps, images: total, timings: timings)
    }

    /// Takes a place among the explanations running, if there is one.
    private func enter() -> Bool {
        let limit = self.configuration.maxExplanations
        return self.running.withLock { running in
            guard running < limit else { return false }
            running += 1
            return true
        }
    }

    private func leave() {
        self.running.withLock { $0 -= 1 }
    }
}
