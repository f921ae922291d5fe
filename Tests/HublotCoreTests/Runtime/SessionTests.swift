import HublotCore
import Testing

/// The ONNX Runtime wrapper on the tiny model.
@Suite("ONNX Runtime session")
struct SessionTests {
    @Test func introspectsAndRuns() throws {
        let model = try Fixtures.tinyRepository().model(named: "tiny")
        let session = try OrtSession(
            environment: Fixtures.environment, modelURL: model.modelURL,
            configuration: RuntimeConfiguration(intraOpThreads: 1))
        #expect(session.inputName == "images" && session.outputName == "logits")
        #expect(session.inputShape == [-1, 8, 8, 3] && session.outputShape == [-1, 4])
        // Two images: all red, all ones. Logits = mean(RGB) · W + b (see make_core_fixtures.py).
        var input = [Float](repeating: 0, count: 2 * 8 * 8 * 3)
        for i in 0..<64 { input[i * 3] = 1 }
        for i in (64 * 3)..<(128 * 3) { input[i] = 1 }
        let output = try input.withUnsafeBufferPointer { try session.run(input: $0, shape: [2, 8, 8, 3]) }
        #expect(output.shape == [2, 4])
        let expected: [Float] = [4.1, -1.8, 0.2, 1.0, 2.1, 2.2, 6.7, 3.0]
        #expect(maxAbsDiff(output.values, expected) < 1e-5)
    }

    @Test("an environment asking for global thread pools while one without them is alive joins it, and its sessions still run")
    func joinsTheLiveEnvironment() throws {
        let live = Fixtures.environment
        #expect(live.globalThreads == nil)
        let joined = try OrtEnvironment(globalThreads: GlobalThreadPools(intraOpThreads: 1))
        #expect(joined.globalThreads == nil, "ORT keeps one environment per process: the live one's pools apply")
        let model = try Fixtures.tinyRepository().model(named: "tiny")
        let session = try OrtSession(environment: joined, modelURL: model.modelURL, configuration: RuntimeConfiguration(intraOpThreads: 1))
        let input = [Float](repeating: 0.5, count: 8 * 8 * 3)
        let output = try input.withUnsafeBufferPointer { try session.run(input: $0, shape: [1, 8, 8, 3]) }
        #expect(output.shape == [1, 4])
    }

    @Test func runsTheSameWithoutSpinWaiting() throws {
        let model = try Fixtures.tinyRepository().model(named: "tiny")
        let configurations = [true, false].map { RuntimeConfiguration(intraOpThreads: 2, spinWaiting: $0) }
        let outputs = try configurations.map { configuration in
            let session = try OrtSession(
                environment: Fixtures.environment, modelURL: model.modelURL, configuration: configuration)
            let input = [Float](repeating: 0.5, count: 8 * 8 * 3)
            return try input.withUnsafeBufferPointer { try session.run(input: $0, shape: [1, 8, 8, 3]) }.values
        }
        #expect(outputs[0] == outputs[1])
        #expect(RuntimeConfiguration().spinWaiting)
    }

    @Test func wrongInputSizeIsAnError() throws {
        let model = try Fixtures.tinyRepository().model(named: "tiny")
        let session = try OrtSession(environment: Fixtures.environment, modelURL: model.modelURL)
        let input = [Float](repeating: 0, count: 10)
        #expect(throws: HublotError.self) {
            try input.withUnsafeBufferPointer { try session.run(input: $0, shape: [1, 8, 8, 3]) }
        }
        let wrongShape = [Float](repeating: 0, count: 7 * 7 * 3)
        let error = hublotError {
            _ = try wrongShape.withUnsafeBufferPointer { try session.run(input: $0, shape: [1, 7, 7, 3]) }
        }
        #expect(error?.kind == .inferenceFailed)
        #expect(error?.message.contains("ONNX Runtime:") == true)
    }

    @Test func missingFile() throws {
        let model = try Fixtures.tinyRepository().model(named: "tiny")
        let error = hublotError {
            _ = try OrtSession(environment: Fixtures.environment, modelURL: model.directory.appendingPathComponent("nope.onnx"))
        }
        #expect(error?.kind == .modelLoadFailed)
        #expect(error?.message.contains("nope.onnx") == true)
    }

    @Test func threadsDefaultToTheAvailableCores() {
        #expect(RuntimeConfiguration().intraOpThreads == RuntimeConfiguration.availableCores)
        #expect(RuntimeConfiguration(intraOpThreads: 0).intraOpThreads == 1)
    }
}
