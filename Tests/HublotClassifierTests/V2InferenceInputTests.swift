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
    private func refusal(_ body: Data) -> String? {
        do {
            _ = try V2.InferenceInput(body: body, height: 2, width: 1)
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
        #expect(flat.id == "r1" && flat.count == 2 && flat.values == (0..<12).map(Float.init))
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
        #expect(refusal(try body(datatype: "INT8", shape: [1, 2, 1, 3], data: six)) == "input datatype must be FP32 (got INT8)")
        #expect(refusal(try body(shape: [0, 2, 1, 3], data: six))?.hasPrefix("input shape must be [N, 2, 1, 3] with N >= 1") == true)
        #expect(refusal(try body(shape: [1, 1, 2, 3], data: six))?.hasPrefix("input shape must be") == true)
        #expect(refusal(try body(shape: [1, 2, 1, 3], data: [Float](repeating: 0, count: 5))) == "input data holds 5 values; shape [1, 2, 1, 3] needs 6")
        #expect(refusal(try body(shape: [1, 2, 1, 3], data: six, outputs: [["name": "logits"]]))?.contains("unknown output 'logits'") == true)
        let binary: [[String: Any]] = [["name": "probabilities", "parameters": ["binary_data": true]]]
        #expect(refusal(try body(shape: [1, 2, 1, 3], data: six, outputs: binary))?.contains("binary_data outputs are not supported") == true)
        #expect(refusal(try body(shape: [1, 2, 1, 3], data: ["a"]))?.hasPrefix("the body is not a valid inference request: wrong value at inputs") == true)
    }

    @Test("a batch dimension whose value count overflows Int is a 400 saying so, not a trap (issue 14)")
    func overflow() throws {
        let message = refusal(try body(shape: [Int.max, 2, 1, 3], data: [0]))
        #expect(message == "input data holds 1 values; shape [\(Int.max), 2, 1, 3] needs more than \(Int.max)")
        #expect(throws: APIError.self) { try V2.InferenceInput(body: try body(shape: [1, Int.max, Int.max, 3], data: [0]), height: Int.max, width: Int.max) }
    }
}
