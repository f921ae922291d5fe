import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import HublotAPI
import HublotClassifier
import HublotHTTP
import Hummingbird
import HummingbirdTesting
import OpenInferenceGRPC
import Prometheus
import Testing

/// The Open Inference Protocol's gRPC service and gRPC's health service, against the application on a
/// free port of 127.0.0.1, with grpc-swift's own client.
@Suite("gRPC services", .timeLimit(.minutes(3)))
struct GRPCServiceTests {
    private static let model = "efficientnet_lite0"

    /// An FP32 input of `images`, in `fp32_contents` or as `raw_input_contents`.
    private func pixelsRequest(_ values: [Float], count: Int, raw: Bool, classification: Int? = nil) -> Inference_ModelInferRequest {
        .with {
            $0.modelName = Self.model
            $0.id = "g-1"
            $0.inputs = [
                .with {
                    $0.name = "images"
                    $0.datatype = "FP32"
                    $0.shape = [Int64(count), 224, 224, 3]
                    if !raw { $0.contents = .with { $0.fp32Contents = values } }
                }
            ]
            if raw { $0.rawInputContents = [Data(V2.BinaryData.bytes(of: values))] }
            if let classification {
                $0.outputs = [.with { $0.name = "probabilities"; $0.parameters = ["classification": .with { $0.int64Param = Int64(classification) }] }]
            }
        }
    }

    /// A BYTES input of encoded photos in `bytes_contents`.
    private func imagesRequest(_ photos: [[UInt8]], classification: Int? = nil) -> Inference_ModelInferRequest {
        .with {
            $0.modelName = Self.model
            $0.inputs = [
                .with {
                    $0.name = "images"
                    $0.datatype = "BYTES"
                    $0.shape = [Int64(photos.count), 1]
                    $0.contents = .with { $0.bytesContents = photos.map { Data($0) } }
                }
            ]
            if let classification {
                $0.outputs = [.with { $0.name = "probabilities"; $0.parameters = ["classification": .with { $0.int64Param = Int64(classification) }] }]
            }
        }
    }

    /// The FP32 values of the answer's one raw output.
    private func floats(_ response: Inference_ModelInferResponse) -> [Float] {
        let bytes = [UInt8](response.rawOutputContents.first ?? Data())
        return stride(from: 0, to: bytes.count, by: 4).map { offset in
            Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
        }
    }

    /// The error a call ends with: its code and its details.
    private func failure(_ call: () async throws -> Void) async -> (RPCError.Code, [ErrorDetails])? {
        do {
            try await call()
            Issue.record("the call succeeded")
            return nil
        } catch let error as RPCError {
            let details = (try? error.unpackGoogleRPCStatus())?.details ?? []
            return (error.code, details)
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("health, server and model metadata, readiness: the same as /v2 over HTTP")
    func metadata() async throws {
        try await withClassifierAndGRPC { http, grpc, _ in
            let inference = Inference_GRPCInferenceService.Client(wrapping: grpc)
            #expect(try await inference.serverLive(.init()).live)
            #expect(try await inference.serverReady(.init()).ready)
            #expect(try await inference.modelReady(.with { $0.name = Self.model }).ready)
            let server = try await inference.serverMetadata(.init())
            #expect(server.name == "hublot-classifier" && server.version == OpenInferenceService.serverVersion && server.extensions.isEmpty)
            let model = try await inference.modelMetadata(.with { $0.name = Self.model })
            #expect(model.platform == "onnxruntime_onnx" && model.versions.count == 1)
            #expect(model.inputs.map(\.name) == ["images"] && model.inputs.first?.shape == [-1, 224, 224, 3] && model.inputs.first?.datatype == "FP32")
            #expect(model.outputs.map(\.name) == ["probabilities"] && model.outputs.first?.shape == [-1, 1000])
            // The HTTP route gives the same version.
            let json = try JSONSerialization.jsonObject(with: Data(buffer: try await http.execute(uri: "/v2/models/\(Self.model)", method: .get).body)) as? [String: Any]
            #expect(json?["versions"] as? [String] == model.versions)
            let version = model.versions.first ?? ""
            #expect(try await inference.modelReady(.with { $0.name = Self.model; $0.version = version }).ready)
            let unknown = await failure { _ = try await inference.modelReady(.with { $0.name = "nope" }) }
            #expect(unknown?.0 == .notFound)
            let wrongVersion = await failure { _ = try await inference.modelMetadata(.with { $0.name = Self.model; $0.version = "999" }) }
            #expect(wrongVersion?.0 == .notFound)

            let health = Grpc_Health_V1_Health.Client(wrapping: grpc)
            #expect(try await health.check(.with { $0.service = "" }).status == .serving)
            #expect(try await health.check(.with { $0.service = "inference.GRPCInferenceService" }).status == .serving)
            #expect(await failure { _ = try await health.check(.with { $0.service = "nope" }) }?.0 == .notFound)
            #expect(try await health.list(.init()).statuses.mapValues(\.status) == ["": .serving, "inference.GRPCInferenceService": .serving])
        }
    }

    @Test("ModelInfer on FP32 tensors, in contents or raw, equals the HTTP JSON route's answer")
    func inferPixels() async throws {
        let reference = try Fixtures.referenceIndex()
        let images = reference.images.filter { ["cat", "bus"].contains($0.stem) }
        let values = try images.flatMap { try Fixtures.floats($0.input) }
        let registry = PrometheusCollectorRegistry()
        try await withClassifierAndGRPC(registry: registry) { http, grpc, _ in
            let body: [String: Any] = ["inputs": [["name": "images", "shape": [2, 224, 224, 3], "datatype": "FP32", "data": values]]]
            let answer = try await http.execute(
                uri: "/v2/models/\(Self.model)/infer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
            let json = try JSONSerialization.jsonObject(with: Data(buffer: answer.body)) as? [String: Any]
            let expected = try #require(((json?["outputs"] as? [[String: Any]])?.first?["data"] as? [NSNumber])).map(\.floatValue)

            let inference = Inference_GRPCInferenceService.Client(wrapping: grpc)
            for raw in [false, true] {
                let response = try await inference.modelInfer(pixelsRequest(values, count: 2, raw: raw))
                #expect(response.modelName == Self.model && response.id == "g-1" && !response.modelVersion.isEmpty)
                #expect(response.outputs.map(\.name) == ["probabilities"] && response.outputs.first?.datatype == "FP32")
                #expect(response.outputs.first?.shape == [2, 1000])
                let got = floats(response)
                #expect(got.count == 2000)
                let diff = zip(got, expected).map { abs($0 - $1) }.max() ?? 1
                #expect(diff <= 1e-6, "max |Δp| gRPC (raw: \(raw)) against HTTP JSON = \(diff)")
            }
            // gRPC calls are counted beside HTTP ones, per model and per RPC.
            let metrics = String(buffer: try await http.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"hublot_classify_requests_total{model="efficientnet_lite0",status="200"} 3"#))
            #expect(metrics.contains(#"hublot_grpc_requests_total{method="inference.GRPCInferenceService/ModelInfer",code="ok"} 2"#))
        }
    }

    @Test("ModelInfer on encoded photos (BYTES) with a classification: the same top 5 as /v1 classify")
    func inferImages() async throws {
        let photos = try ["cat", "turtle"].map { try Fixtures.photo($0) }
        try await withClassifierAndGRPC { http, grpc, _ in
            var expected: [[Prediction]] = []
            for photo in photos {
                let answer = try await http.execute(
                    uri: "/v1/models/\(Self.model)/classify?top_k=5", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: photo))
                expected.append(try decode(Classification.self, answer).predictions)
            }
            let inference = Inference_GRPCInferenceService.Client(wrapping: grpc)
            let response = try await inference.modelInfer(imagesRequest(photos, classification: 5))
            #expect(response.outputs.first?.datatype == "BYTES" && response.outputs.first?.shape == [2, 5])
            var rows: [String] = []
            var bytes = [UInt8](response.rawOutputContents.first ?? Data())[...]
            while bytes.count >= 4 {
                let length = Int(bytes[bytes.startIndex]) | Int(bytes[bytes.startIndex + 1]) << 8
                rows.append(String(decoding: bytes.dropFirst(4).prefix(length), as: UTF8.self))
                bytes = bytes.dropFirst(4 + length)
            }
            #expect(rows.count == 10)
            for (image, predictions) in expected.enumerated() {
                for (rank, prediction) in predictions.enumerated() where image * 5 + rank < rows.count {
                    let parts = rows[image * 5 + rank].split(separator: ":", maxSplits: 2).map(String.init)
                    #expect(parts.count == 3 && Int(parts[1]) == prediction.index && parts[2] == prediction.label)
                    #expect(abs((Float(parts[0]) ?? -1) - prediction.probability) <= 1e-6, "\(rows[image * 5 + rank]) against \(prediction)")
                }
            }
        }
    }

    @Test("a gRPC call and an HTTP request share one batch")
    func mixedBatch() async throws {
        let held = HeldInferenceSource(CoreModelSource(repository: try Fixtures.modelRepository()))
        let cat = try Fixtures.photo("cat")
        let registry = PrometheusCollectorRegistry()
        // A long batch delay: the batch after the held one waits for both its images, however slow their decode.
        try await withClassifierAndGRPC(source: held, configure: { $0.maxBatchDelay = .seconds(30) }, registry: registry) { http, grpc, models in
            let inference = Inference_GRPCInferenceService.Client(wrapping: grpc)
            @Sendable func classify() async throws -> TestResponse {
                try await http.execute(
                    uri: "/v1/models/\(Self.model)/classify?top_k=1", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat))
            }
            // The first image's batch is held inside ONNX Runtime; the next two are admitted meanwhile, into one batch.
            let first = Task { try await classify() }
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    _ = held.entered.wait(timeout: .now() + 60)
                    continuation.resume()
                }
            }
            async let viaGRPC = inference.modelInfer(self.imagesRequest([cat], classification: 1))
            async let viaHTTP = classify()
            let queue = try #require({ if case .ready(let serving) = models.registry.entry(Self.model)?.state { serving.queue } else { nil } }())
            let deadline = ContinuousClock.now + .seconds(30)
            while queue.depth < 3 {  // the held image and both new ones admitted: a condition, bounded, not a pause
                try #require(ContinuousClock.now < deadline, "the two requests were not admitted within 30 s")
                try await Task.sleep(for: .milliseconds(1))
            }
            held.open()
            let (grpcAnswer, httpAnswer, firstAnswer) = try await (viaGRPC, viaHTTP, first.value)
            #expect(grpcAnswer.outputs.first?.shape == [1, 1])
            #expect(httpAnswer.status == .ok && firstAnswer.status == .ok)
            let metrics = String(buffer: try await http.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"hublot_batch_size_count{model="efficientnet_lite0"} 2"#), "the held batch, then one for both")
            #expect(ConcurrencyTests.batchesLargerThanOne(metrics) == 1)
        }
    }

    @Test("errors map to gRPC codes: NOT_FOUND, INVALID_ARGUMENT, and a corrupt photo named")
    func errors() async throws {
        try await withClassifierAndGRPC { _, grpc, _ in
            let inference = Inference_GRPCInferenceService.Client(wrapping: grpc)
            var unknown = pixelsRequest([0], count: 1, raw: false)
            unknown.modelName = "nope"
            #expect(await failure { _ = try await inference.modelInfer(unknown) }?.0 == .notFound)
            #expect(await failure { _ = try await inference.modelInfer(pixelsRequest([0, 1], count: 1, raw: false)) }?.0 == .invalidArgument)
            #expect(await failure { _ = try await inference.modelInfer(pixelsRequest([0], count: 1, raw: false, classification: 0)) }?.0 == .invalidArgument)
            var both = pixelsRequest([Float](repeating: 0, count: 150_528), count: 1, raw: true)
            both.inputs[0].contents = .with { $0.fp32Contents = [1] }
            #expect(await failure { _ = try await inference.modelInfer(both) }?.0 == .invalidArgument)
            var corrupt: (RPCError.Code, [ErrorDetails])?
            do {
                _ = try await inference.modelInfer(imagesRequest([try Fixtures.photo("cat"), Array("not an image".utf8)]))
            } catch let error as RPCError {
                corrupt = (error.code, [])
                #expect(error.message.hasPrefix("image 1: "), "\(error.message)")
            }
            #expect(corrupt?.0 == .invalidArgument)
            // Repository RPCs follow the model control: under poll, loads are refused.
            let load = await failure { _ = try await inference.repositoryModelLoad(.with { $0.modelName = Self.model }) }
            #expect(load?.0 == .failedPrecondition)
            let index = try await inference.repositoryIndex(.with { $0.ready = true })
            #expect(index.models.map(\.name).contains(Self.model) && index.models.allSatisfy { $0.state == "READY" })
        }
    }

    @Test("a full queue is RESOURCE_EXHAUSTED with retry information; a model not ready is UNAVAILABLE, and NOT_SERVING to health")
    func overloadAndReadiness() async throws {
        let held = HeldInferenceSource(CoreModelSource(repository: try Fixtures.modelRepository()))
        let cat = try Fixtures.photo("cat")
        try await withClassifierAndGRPC(source: held, configure: { $0.queueCapacity = 1 }) { _, grpc, _ in
            let inference = Inference_GRPCInferenceService.Client(wrapping: grpc)
            // The first image's batch is held inside ONNX Runtime: it takes the queue's one place.
            let first = Task { try await inference.modelInfer(self.imagesRequest([cat])) }
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    _ = held.entered.wait(timeout: .now() + 60)
                    continuation.resume()
                }
            }
            let refused = await failure { _ = try await inference.modelInfer(self.imagesRequest([cat])) }
            #expect(refused?.0 == .resourceExhausted)
            #expect(refused?.1 == [.retryInfo(delay: .seconds(1))])
            held.open()
            let answered = try await first.value
            #expect(answered.outputs.first?.shape == [1, 1000])
        }
        let gated = GatedModelSource(CoreModelSource(repository: try Fixtures.modelRepository()))
        try await withClassifierAndGRPC(source: gated, waitForReady: false) { _, grpc, _ in
            let inference = Inference_GRPCInferenceService.Client(wrapping: grpc)
            let health = Grpc_Health_V1_Health.Client(wrapping: grpc)
            let ready = try await inference.serverReady(.init())
            #expect(!ready.ready)
            let status = try await health.check(.init())
            #expect(status.status == .notServing)
            let loading = await failure { _ = try await inference.modelInfer(self.imagesRequest([cat])) }
            #expect(loading?.0 == .unavailable)
            #expect(loading?.1 == [.retryInfo(delay: .seconds(1))])
            gated.open()
        }
    }

    @Test("every API error has one gRPC code; retry information only where a retry can succeed")
    func mapping() throws {
        #expect(APIError.badRequest("x").grpcStatus.code == .invalidArgument)
        #expect(APIError.invalidImage("x").grpcStatus.code == .invalidArgument)
        #expect(APIError.unknownModel("x", available: []).grpcStatus.code == .notFound)
        #expect(APIError.modelControl("x").grpcStatus.code == .failedPrecondition)
        #expect(APIError.internal().grpcStatus.code == .internalError)
        #expect(APIError.overloaded("x", retryAfterSeconds: 3).grpcStatus == GoogleRPCStatus(code: .resourceExhausted, message: "x", details: .retryInfo(delay: .seconds(3))))
        #expect(APIError.modelNotReady("x", retryAfterSeconds: 2).grpcStatus.details == [.retryInfo(delay: .seconds(2))])
        #expect(APIError(status: .init(code: 499, reasonPhrase: "Client Closed Request"), code: .badRequest, message: "gone").grpcStatus.code == .cancelled)
        #expect(APIError.badRequest("x").grpcStatus.details.isEmpty)
    }
}
