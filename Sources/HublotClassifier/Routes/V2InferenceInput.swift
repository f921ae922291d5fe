import Foundation
import HublotHTTP

extension V2 {
    /// An `/v2/models/{name}/infer` body decoded and checked against a model's input `[N, height, width, 3]`:
    /// what the route hands to the batch queue. Pure (no model, no I/O), so the fuzzer reaches every check.
    public struct InferenceInput: Sendable, Equatable {
        /// The request's id, echoed in the answer.
        public let id: String?
        /// The images' values, row-major, `count × height × width × 3` of them.
        public let values: [Float]
        /// The batch size N (at least 1).
        public let count: Int

        /// Decodes `body` and checks it against a model whose input is `height × width` RGB; every refusal is a 400.
        public init(body: Data, height: Int, width: Int) throws {
            let request: InferenceRequest
            do {
                request = try JSONDecoder().decode(InferenceRequest.self, from: body)
            } catch {
                throw APIError.badRequest("the body is not a valid inference request: \(Self.describe(error))")
            }
            guard request.inputs.count == 1, let input = request.inputs.first else {
                throw APIError.badRequest("exactly one input tensor '\(V2Routes.inputName)' is expected")
            }
            guard input.name == V2Routes.inputName else {
                throw APIError.badRequest("unknown input '\(input.name)'; the model's input is '\(V2Routes.inputName)'")
            }
            guard input.datatype == "FP32" else { throw APIError.badRequest("input datatype must be FP32 (got \(input.datatype))") }
            guard input.shape.count == 4, input.shape[0] >= 1, input.shape[1] == height, input.shape[2] == width, input.shape[3] == 3 else {
                throw APIError.badRequest("input shape must be [N, \(height), \(width), 3] with N >= 1 (got \(input.shape))")
            }
            let count = input.shape[0]
            let (pixels, pixelsOverflow) = height.multipliedReportingOverflow(by: width)
            let (perImage, perImageOverflow) = pixels.multipliedReportingOverflow(by: 3)
            let (needed, neededOverflow) = count.multipliedReportingOverflow(by: perImage)
            let overflow = pixelsOverflow || perImageOverflow || neededOverflow
            guard !overflow, input.data.values.count == needed else {
                let expected = overflow ? "more than \(Int.max)" : String(needed)
                throw APIError.badRequest("input data holds \(input.data.values.count) values; shape \(input.shape) needs \(expected)")
            }
            for output in request.outputs ?? [] {
                guard output.name == V2Routes.outputName else {
                    throw APIError.badRequest("unknown output '\(output.name)'; the model has '\(V2Routes.outputName)'")
                }
                if output.parameters?.binary_data == true {
                    throw APIError.badRequest("binary_data outputs are not supported; ask for binary_data=false")
                }
            }
            self.id = request.id
            self.values = input.data.values
            self.count = count
        }

        /// A decoding error in a sentence that names the offending key, not Foundation's dump.
        private static func describe(_ error: any Error) -> String {
            guard let error = error as? DecodingError else { return "not JSON" }
            switch error {
            case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return path.isEmpty ? context.debugDescription : "wrong value at \(path)"
            @unknown default: return "invalid"
            }
        }
    }
}
