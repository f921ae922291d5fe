import Foundation
import HublotHTTP
import Testing

@testable import HublotClassifier

/// The `/v2` infer body's validation, without a server or a model (the part FuzzV2InferRequest reaches).
@Suite("V2 inference input validation")
struct V2InferenceInputTests {
    /// A body with one input tensor and optional outputs.
    private func body(
        name: String = "images", datatype: String = "FP32", shape: [Int], data: Any, outputs: [[String: Any]]? = nil
    ) throws -> Data {
        var object: [String: Any] = ["id": "r1", "inputs": [["name": name, "shape": shape, "datatype": datatype, "data": data]]]
        if let outputs { object["outputs"] = outputs }
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// The message of the 400 that `body` is refused with, for a 2×1 model input.
    private func refusal(_ body: Data, headerLength: Int? = nil) -> String? {
        do {
            _ = try V2.InferenceInput(body: body, height: 2, width: 1, classes: 5, headerLength: headerLength)
            return nil
        } catch let error as APIError {
            #expect(error.status == .badRequest)
            return error.message
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("a valid batch keeps its id, its values in row-major order and its count (flat or nested data)")
    func valid() throws {
        let flat = try V2.InferenceInput(body: try body(shape: [2, 2, 1, 3], data: (0..<12).map(Float.init)), height: 2, width: 1)
        #expect(flat.id == "r1" && flat.count == 2 && flat.tensor == .pixels((0..<12).map(Float.init)))
        #expect(flat.output == .init(binary: false, classification: nil))
        let nested: [[[[Float]]]] = [[[[0, 1, 2]], [[3, 4, 5]]], [[[6, 7, 8]], [[9, 10, 11]]]]
        #expect(try V2.InferenceInput(body: try body(shape: [2, 2, 1, 3], data: nested), height: 2, width: 1) == flat)
    }

    @Test("each malformed request is a 400 whose message names what is wrong")
    func refusals() throws {
        let six = [Float](repeating: 0.5, count: 6)
        #expect(refusal(Data("{not json".utf8)) == "the body is not a valid inference request: The given data was not valid JSON.")
        #expect(refusal(Data(#"{"outputs": []}"#.utf8)) == "the body is not a valid inference request: missing key 'inputs'")
        #expect(refusal(Data(#"{"inputs": []}"#.utf8))?.contains("exactly one input tensor 'images'") == true)
        #expect(refusal(try body(name: "pixels", shape: [1, 2, 1, 3], data: six))?.contains("unknown input 'pixels'") == true)
        #expect(refusal(try body(datatype: "INT8", shape: [1, 2, 1, 3], data: six)) == "input datatype must be FP32 (preprocessed images) or BYTES (encoded images) (got INT8)")
        #expect(refusal(try body(shape: [0, 2, 1, 3], data: six))?.hasPrefix("input shape must be [N, 2, 1, 3] with N >= 1") == true)
        #expect(refusal(try body(shape: [1, 1, 2, 3], data: six))?.hasPrefix("input shape must be") == true)
        #expect(refusal(try body(shape: [1, 2, 1, 3], data: [Float](repeating: 0, count: 5))) == "input data holds 5 values; shape [1, 2, 1, 3] needs 6")
        #expect(refusal(try body(shape: [1, 2, 1, 3], data: six, outputs: [["name": "logits"]]))?.contains("unknown output 'logits'") == true)
        let two: [[String: Any]] = [["name": "probabilities"], ["name": "probabilities"]]
        #expect(refusal(try body(shape: [1, 2, 1, 3], data: six, outputs: two))?.hasPrefix("at most one output can be asked") == true)
        for k in [0, 6, -1] {
            let classification: [[String: Any]] = [["name": "probabilities", "parameters": ["classification": k]]]
            #expect(refusal(try body(shape: [1, 2, 1, 3], data: six, outputs: classification)) == "classification must be between 1 and the model's 5 classes (got \(k))")
        }
        #expect(refusal(Data(#"{"inputs": [{"name": "images", "shape": [1, 2, 1, 3], "datatype": "FP32"}]}"#.utf8))?.hasPrefix("the input has no data") == true)
        #expect(refusal(try body(shape: [1, 2, 1, 3], data: ["a"]))?.hasPrefix("the body is not a valid inference request: wrong value at inputs") == true)
    }

    @Test("a batch dimension whose value count overflows Int is a 400 saying so, not a trap (issue 14)")
    func overflow() throws {
        let message = refusal(try body(shape: [Int.max, 2, 1, 3], data: [0]))
        #expect(message == "input data holds 1 values; shape [\(Int.max), 2, 1, 3] needs more than \(Int.max)")
        #expect(throws: APIError.self) { try V2.InferenceInput(body: try body(shape: [1, Int.max, Int.max, 3], data: [0]), height: Int.max, width: Int.max) }
    }

    /// A binary-extension body: `header` as JSON, then `binary`; and its header length.
    private func binaryBody(_ header: [String: Any], _ binary: [UInt8]) throws -> (Data, Int) {
        let json = try JSONSerialization.data(withJSONObject: header)
        return (json + Data(binary), json.count)
    }

    /// A request header whose one input has `binary_data_size`.
    private func binaryHeader(datatype: String = "FP32", shape: [Int], size: Int, extra: [String: Any] = [:]) -> [String: Any] {
        var header: [String: Any] = ["inputs": [["name": "images", "shape": shape, "datatype": datatype, "parameters": ["binary_data_size": size]]]]
        header.merge(extra) { $1 }
        return header
    }

    @Test("binary FP32 data is read little-endian, and equals the same values sent as JSON")
    func binaryPixels() throws {
        let values = (0..<12).map { Float($0) / 7 - 0.5 }
        let (body, length) = try binaryBody(binaryHeader(shape: [2, 2, 1, 3], size: 48), V2.BinaryData.bytes(of: values))
        let binary = try V2.InferenceInput(body: body, height: 2, width: 1, classes: 5, headerLength: length)
        let json = try V2.InferenceInput(body: try self.body(shape: [2, 2, 1, 3], data: values), height: 2, width: 1, classes: 5)
        #expect(binary.tensor == json.tensor && binary.count == 2)
        // Little-endian on the wire, whatever the host: 1.0 is 00 00 80 3F.
        #expect(V2.BinaryData.bytes(of: [1]) == [0x00, 0x00, 0x80, 0x3F])
    }

    @Test("a BYTES input holds one encoded image per element, in order ([N] or [N, 1])")
    func binaryImages() throws {
        let images: [[UInt8]] = [[0xFF, 0xD8, 0xFF], [], Array(repeating: 7, count: 300)]
        let raw = images.flatMap { image in withUnsafeBytes(of: UInt32(image.count).littleEndian) { [UInt8]($0) } + image }
        for shape in [[3], [3, 1]] {
            let (body, length) = try binaryBody(binaryHeader(datatype: "BYTES", shape: shape, size: raw.count), raw)
            let input = try V2.InferenceInput(body: body, height: 2, width: 1, classes: 5, headerLength: length)
            #expect(input.tensor == .images(images) && input.count == 3)
        }
    }

    @Test("the output is JSON or binary, probabilities or a classification, as asked or by binary_data_output")
    func outputs() throws {
        let six = [Float](repeating: 0.5, count: 6)
        func output(_ outputs: [[String: Any]]?, parameters: [String: Any]? = nil) throws -> V2.InferenceInput.Output {
            var object: [String: Any] = ["inputs": [["name": "images", "shape": [1, 2, 1, 3], "datatype": "FP32", "data": six]]]
            if let outputs { object["outputs"] = outputs }
            if let parameters { object["parameters"] = parameters }
            return try V2.InferenceInput(body: try JSONSerialization.data(withJSONObject: object), height: 2, width: 1, classes: 5).output
        }
        #expect(try output(nil) == .init(binary: false, classification: nil))
        #expect(try output(nil, parameters: ["binary_data_output": true]) == .init(binary: true, classification: nil))
        #expect(try output([["name": "probabilities"]], parameters: ["binary_data_output": true]) == .init(binary: true, classification: nil))
        #expect(try output([["name": "probabilities", "parameters": ["binary_data": false]]], parameters: ["binary_data_output": true]) == .init(binary: false, classification: nil))
        #expect(try output([["name": "probabilities", "parameters": ["binary_data": true, "classification": 5]]]) == .init(binary: true, classification: 5))
        // Parameters this server does not use (priority, timeout, a client's own) are ignored.
        #expect(try output(nil, parameters: ["priority": 1, "timeout": 100, "mine": "x"]) == .init(binary: false, classification: nil))
    }

    @Test("each malformed binary request is a 400 that says what is wrong")
    func binaryRefusals() throws {
        let twelve = V2.BinaryData.bytes(of: [Float](repeating: 0.25, count: 6))
        func refused(_ header: [String: Any], _ binary: [UInt8], headerLength: Int? = nil) throws -> String? {
            let (body, length) = try binaryBody(header, binary)
            return refusal(body, headerLength: headerLength ?? length)
        }
        #expect(try refused(binaryHeader(shape: [1, 2, 1, 3], size: 24), Array(twelve.prefix(20)))
            == "the input's binary_data_size is 24 but the body holds 20 bytes after its JSON header")
        #expect(try refused(binaryHeader(shape: [1, 2, 1, 3], size: 20), Array(twelve.prefix(20)))
            == "input binary data holds 20 bytes; shape [1, 2, 1, 3] needs 6 FP32 values of 4 bytes")
        #expect(try refused(binaryHeader(shape: [2, 2, 1, 3], size: 24), twelve)?.hasPrefix("input binary data holds 24 bytes") == true)
        // Bytes after the header that no input claims, or a header length that cuts the JSON.
        #expect(try refused(["inputs": [["name": "images", "shape": [1, 2, 1, 3], "datatype": "FP32", "data": [Float](repeating: 0, count: 6)]]], [1, 2])
            == "the body holds 2 bytes after its JSON header but the input has no binary_data_size parameter")
        #expect(try refused(binaryHeader(shape: [1, 2, 1, 3], size: 24), twelve, headerLength: 10)?.hasPrefix("the body is not a valid inference request") == true)
        // binary_data_size without the header, and with JSON data too.
        let (body, _) = try binaryBody(binaryHeader(shape: [1, 2, 1, 3], size: 0), [])
        #expect(refusal(body)?.hasSuffix("has no Inference-Header-Content-Length header (binary tensor extension)") == true)
        var both = binaryHeader(shape: [1, 2, 1, 3], size: 24)
        both["inputs"] = [["name": "images", "shape": [1, 2, 1, 3], "datatype": "FP32", "data": [Float](repeating: 0, count: 6), "parameters": ["binary_data_size": 24]]]
        #expect(try refused(both, twelve) == "the input has both JSON data and binary_data_size; send one of them")
        // BYTES: as JSON strings, a wrong shape, elements cut or counted wrong.
        #expect(refusal(try self.body(datatype: "BYTES", shape: [1], data: ["abc"]))?.hasPrefix("BYTES images must come as binary data") == true)
        #expect(try refused(binaryHeader(datatype: "BYTES", shape: [1, 2], size: 4), [0, 0, 0, 0])?.hasPrefix("a BYTES input's shape must be [N] or [N, 1]") == true)
        #expect(try refused(binaryHeader(datatype: "BYTES", shape: [0], size: 0), [])?.hasPrefix("a BYTES input's shape must be") == true)
        #expect(try refused(binaryHeader(datatype: "BYTES", shape: [1], size: 3), [1, 0, 0]) == "the BYTES input's element 0 is cut in its 4-byte length")
        #expect(try refused(binaryHeader(datatype: "BYTES", shape: [1], size: 6), [5, 0, 0, 0, 1, 2]) == "the BYTES input's element 0 says 5 bytes but 2 remain")
        #expect(try refused(binaryHeader(datatype: "BYTES", shape: [2], size: 5), [1, 0, 0, 0, 9]) == "the BYTES input holds 1 elements; its shape says 2")
        #expect(try refused(binaryHeader(datatype: "BYTES", shape: [1], size: 10), [1, 0, 0, 0, 9, 1, 0, 0, 0, 9]) == "the BYTES input holds more than the 1 elements its shape says")
        // A BYTES length of 4 GiB - 1 is a refusal, not an allocation.
        #expect(try refused(binaryHeader(datatype: "BYTES", shape: [1], size: 4), [0xFF, 0xFF, 0xFF, 0xFF]) == "the BYTES input's element 0 says 4294967295 bytes but 0 remain")
    }

    @Test("Inference-Header-Content-Length must be a byte count within the body")
    func headerLength() throws {
        #expect(try V2.BinaryData.headerLength("12", bodyCount: 20) == 12)
        #expect(try V2.BinaryData.headerLength("20", bodyCount: 20) == 20)
        for (value, message) in [
            ("21", "Inference-Header-Content-Length is 21 but the body holds 20 bytes"),
            ("-1", "Inference-Header-Content-Length must be a byte count (got '-1')"),
            ("1e3", "Inference-Header-Content-Length must be a byte count (got '1e3')"),
            ("", "Inference-Header-Content-Length must be a byte count (got '')"),
        ] {
            #expect(throws: APIError.badRequest(message)) { try V2.BinaryData.headerLength(value, bodyCount: 20) }
        }
    }
}
