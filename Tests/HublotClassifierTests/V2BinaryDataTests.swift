import Foundation
import HublotAPI
import HublotClassifier
import Hummingbird
import HummingbirdTesting
import Testing

/// The Open Inference Protocol's binary tensor extension and classification extension on `/v2/.../infer`.
@Suite("Open Inference Protocol v2: binary tensors", .timeLimit(.minutes(3)))
struct V2BinaryDataTests {
    private static let infer = "/v2/models/efficientnet_lite0/infer"

    /// A binary-extension request: `header` as JSON, then `binary`, with its header length.
    private func binaryRequest(_ header: [String: Any], _ binary: [UInt8]) throws -> (HTTPFields, ByteBuffer) {
        let json = try JSONSerialization.data(withJSONObject: header)
        var buffer = ByteBuffer(data: json)
        buffer.writeBytes(binary)
        return ([V2.BinaryData.headerLengthField: String(json.count), .contentType: "application/octet-stream"], buffer)
    }

    /// The JSON header and the binary part of a binary answer.
    private func split(_ response: TestResponse) throws -> (header: [String: Any], binary: [UInt8]) {
        let length = try #require(response.headers[V2.BinaryData.headerLengthField].flatMap { Int($0) })
        let body = Array(buffer: response.body)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(body.prefix(length))) as? [String: Any])
        return (header, Array(body.dropFirst(length)))
    }

    /// The FP32 values of little-endian `bytes`.
    private func floats(_ bytes: [UInt8]) -> [Float] {
        stride(from: 0, to: bytes.count, by: 4).map { offset in
            Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
        }
    }

    /// Encoded images as a BYTES tensor's data.
    private func elements(_ images: [[UInt8]]) -> [UInt8] {
        images.flatMap { image in withUnsafeBytes(of: UInt32(image.count).littleEndian) { [UInt8]($0) } + image }
    }

    /// The strings of a BYTES tensor's data.
    private func strings(_ bytes: [UInt8]) -> [String] {
        var strings: [String] = [], offset = 0
        while offset + 4 <= bytes.count {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
            strings.append(String(decoding: bytes[(offset + 4)..<(offset + 4 + length)], as: UTF8.self))
            offset += 4 + length
        }
        return strings
    }

    @Test("FP32 sent and answered as binary data equals the JSON route's answer for the same tensor")
    func binaryEqualsJSON() async throws {
        let reference = try Fixtures.referenceIndex()
        let cat = try #require(reference.images.first { $0.stem == "cat" })
        let input = try Fixtures.floats(cat.input)
        try await withClassifier { client in
            let json: [String: Any] = ["inputs": [["name": "images", "shape": [1, 224, 224, 3], "datatype": "FP32", "data": input]]]
            let viaJSON = try await client.execute(
                uri: Self.infer, method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
            #expect(viaJSON.status == .ok)
            #expect(viaJSON.headers[V2.BinaryData.headerLengthField] == nil)
            let jsonOutput = try #require((try JSONSerialization.jsonObject(with: Data(buffer: viaJSON.body)) as? [String: Any])?["outputs"] as? [[String: Any]])
            let expected = try #require(jsonOutput.first?["data"] as? [NSNumber]).map(\.floatValue)

            let header: [String: Any] = [
                "id": "bin-1",
                "inputs": [["name": "images", "shape": [1, 224, 224, 3], "datatype": "FP32", "parameters": ["binary_data_size": input.count * 4]]],
                "outputs": [["name": "probabilities", "parameters": ["binary_data": true]]],
            ]
            let (headers, body) = try binaryRequest(header, V2.BinaryData.bytes(of: input))
            let viaBinary = try await client.execute(uri: Self.infer, method: .post, headers: headers, body: body)
            #expect(viaBinary.status == .ok)
            #expect(viaBinary.headers[.contentType] == "application/octet-stream")
            let (answer, binary) = try split(viaBinary)
            #expect(answer["id"] as? String == "bin-1")
            let output = try #require((answer["outputs"] as? [[String: Any]])?.first)
            #expect(output["datatype"] as? String == "FP32" && output["shape"] as? [Int] == [1, 1000] && output["data"] == nil)
            #expect((output["parameters"] as? [String: Any])?["binary_data_size"] as? Int == 4000 && binary.count == 4000)
            let got = floats(binary)
            let diff = zip(got, expected).map { abs($0 - $1) }.max() ?? 1
            #expect(diff <= 1e-6, "max |Δp| binary against JSON = \(diff)")
            // JSON in, binary out by the request's binary_data_output (what tritonclient sends when no output is named).
            let defaulted: [String: Any] = [
                "inputs": [["name": "images", "shape": [1, 224, 224, 3], "datatype": "FP32", "data": input]], "parameters": ["binary_data_output": true],
            ]
            let mixed = try await client.execute(
                uri: Self.infer, method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: defaulted)))
            #expect(zip(floats(try split(mixed).binary), expected).map { abs($0 - $1) }.max() ?? 1 <= 1e-6)
        }
    }

    @Test("BYTES inputs are encoded photos, decoded like /v1 uploads: same top 5 and probabilities as /v1/classify")
    func encodedImages() async throws {
        let photos = try ["cat", "bus"].map { try Fixtures.photo($0) }
        try await withClassifier { client in
            var expected: [[Prediction]] = []
            for photo in photos {
                let answer = try await client.execute(
                    uri: "/v1/models/efficientnet_lite0/classify?top_k=5", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: photo))
                expected.append(try decode(Classification.self, answer).predictions)
            }
            let data = elements(photos)
            let header: [String: Any] = [
                "inputs": [["name": "images", "shape": [2], "datatype": "BYTES", "parameters": ["binary_data_size": data.count]]],
                "outputs": [["name": "probabilities", "parameters": ["binary_data": true, "classification": 5]]],
            ]
            let (headers, body) = try binaryRequest(header, data)
            let response = try await client.execute(uri: Self.infer, method: .post, headers: headers, body: body)
            #expect(response.status == .ok)
            let (answer, binary) = try split(response)
            let output = try #require((answer["outputs"] as? [[String: Any]])?.first)
            #expect(output["datatype"] as? String == "BYTES" && output["shape"] as? [Int] == [2, 5])
            let rows = strings(binary)
            #expect(rows.count == 10)
            for (image, predictions) in expected.enumerated() {
                for (rank, prediction) in predictions.enumerated() {
                    let parts = rows[image * 5 + rank].split(separator: ":", maxSplits: 2).map(String.init)
                    #expect(parts.count == 3 && Int(parts[1]) == prediction.index && parts[2] == prediction.label, "\(rows[image * 5 + rank])")
                    let probability = Float(parts.first ?? "") ?? -1
                    #expect(abs(probability - prediction.probability) <= 1e-6, "\(rows[image * 5 + rank]) against \(prediction)")
                }
            }
            // The same as JSON output: the probabilities, [2, 1000].
            let plain = try binaryRequest(["inputs": header["inputs"]!], data)
            let probabilities = try await client.execute(uri: Self.infer, method: .post, headers: plain.0, body: plain.1)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: probabilities.body)) as? [String: Any])
            let values = try #require(((json["outputs"] as? [[String: Any]])?.first?["data"] as? [NSNumber])).map(\.floatValue)
            #expect(values.count == 2000)
            #expect(abs(values[1000 + expected[1][0].index] - expected[1][0].probability) <= 1e-6)
        }
    }

    @Test("binary requests' errors: compressed 415, octet-stream without the header 415, bad header 400, a corrupt image 422 naming it")
    func errors() async throws {
        let cat = try Fixtures.photo("cat")
        try await withClassifier { client in
            let data = elements([cat, Array("not an image".utf8)])
            let header: [String: Any] = ["inputs": [["name": "images", "shape": [2], "datatype": "BYTES", "parameters": ["binary_data_size": data.count]]]]
            var (headers, body) = try binaryRequest(header, data)
            let corrupt = try await client.execute(uri: Self.infer, method: .post, headers: headers, body: body)
            try expectV2Error(corrupt, .unprocessableContent)
            #expect(String(buffer: corrupt.body).contains("image 1: "))

            headers[.contentEncoding] = "gzip"
            try expectV2Error(try await client.execute(uri: Self.infer, method: .post, headers: headers, body: body), .unsupportedMediaType)
            headers[.contentEncoding] = nil
            headers[V2.BinaryData.headerLengthField] = String(body.readableBytes + 1)
            let long = try await client.execute(uri: Self.infer, method: .post, headers: headers, body: body)
            try expectV2Error(long, .badRequest)
            #expect(String(buffer: long.body).contains("Inference-Header-Content-Length is"))
            headers[V2.BinaryData.headerLengthField] = nil
            try expectV2Error(try await client.execute(uri: Self.infer, method: .post, headers: headers, body: body), .unsupportedMediaType)
            body = ByteBuffer(string: "{}")
            try expectV2Error(
                try await client.execute(uri: Self.infer, method: .post, headers: [.contentType: "image/jpeg", V2.BinaryData.headerLengthField: "2"], body: body),
                .unsupportedMediaType)
        }
    }
}
