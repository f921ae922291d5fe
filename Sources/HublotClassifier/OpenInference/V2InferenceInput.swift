import Foundation
import HublotHTTP

extension V2 {
    /// An `/v2/models/{name}/infer` body decoded and checked against a model whose input is `[N, height,
    /// width, 3]` and whose output has `classes` classes: what the route hands to the batch queue. JSON, or
    /// under the binary tensor extension (``BinaryData``) a JSON header of `headerLength` bytes and the
    /// tensor's raw data. Pure (no model, no I/O), so the fuzzer reaches every check.
    public struct InferenceInput: Sendable, Equatable {
        /// What the input tensor holds.
        public enum Tensor: Sendable, Equatable {
            /// Preprocessed images (FP32 `[N, H, W, 3]`), row-major, `N × H × W × 3` values.
            case pixels([Float])
            /// Encoded images (BYTES `[N]` or `[N, 1]`: JPEG or PNG files), decoded and preprocessed by the server.
            case images([[UInt8]])
        }

        /// How the output is wanted.
        public struct Output: Sendable, Equatable {
            /// As binary data after the JSON header.
            public var binary: Bool
            /// The top `classification` classes as `"probability:index:label"` strings instead of the probabilities.
            public var classification: Int?
        }

        /// An input tensor as a request gives it, over HTTP or gRPC.
        public struct InputTensor: Sendable {
            /// Tensor name.
            public var name: String
            /// Element type.
            public var datatype: String
            /// Shape.
            public var shape: [Int]
            /// Its values.
            public var data: InputData

            /// Creates the tensor.
            public init(name: String, datatype: String, shape: [Int], data: InputData) {
                self.name = name
                self.datatype = datatype
                self.shape = shape
                self.data = data
            }
        }

        /// Where an input's values are.
        public enum InputData: Sendable {
            /// Numbers (JSON `data`, gRPC `fp32_contents`).
            case numbers([Float])
            /// BYTES elements, one by one (gRPC `bytes_contents`).
            case elements([[UInt8]])
            /// Raw bytes (HTTP binary data, gRPC `raw_input_contents`): FP32 little-endian, or BYTES elements
            /// each behind its 4-byte little-endian length.
            case raw(Data)
            /// Strings in JSON `data` (a BYTES tensor over JSON).
            case jsonStrings
            /// Nothing.
            case none
        }

        /// A requested output as a request gives it.
        public struct RequestedOutput: Sendable {
            /// Output name.
            public var name: String
            /// `binary_data`, if given.
            public var binary: Bool?
            /// `classification`, if given.
            public var classification: Int?

            /// Creates the requested output.
            public init(name: String, binary: Bool? = nil, classification: Int? = nil) {
                self.name = name
                self.binary = binary
                self.classification = classification
            }
        }

        /// The request's id, echoed in the answer.
        public let id: String?
        /// The images.
        public let tensor: Tensor
        /// The batch size N (at least 1).
        public let count: Int
        /// How the answer gives the output.
        public let output: Output

        /// Decodes `body` and checks it against a model whose input is `height × width` RGB and whose output
        /// has `classes` classes; `headerLength` is `Inference-Header-Content-Length` when the request has it.
        /// Every refusal is a 400 that says what is wrong.
        public init(body: Data, height: Int, width: Int, classes: Int = Int.max, headerLength: Int? = nil) throws {
            let header = headerLength.map { body.prefix($0) } ?? body
            let binary = headerLength.map { body.dropFirst($0) } ?? Data()
            let request: InferenceRequest
            do {
                request = try JSONDecoder().decode(InferenceRequest.self, from: header)
            } catch {
                throw APIError.badRequest("the body is not a valid inference request: \(Self.describe(error))")
            }
            // The binary part is one input's data: with several inputs, the checks below refuse them first.
            let inputs = try request.inputs.map { input in
                InputTensor(
                    name: input.name, datatype: input.datatype, shape: input.shape,
                    data: request.inputs.count == 1 ? try Self.data(of: input, binary: binary, headerLength: headerLength) : .none)
            }
            try self.init(
                id: request.id, inputs: inputs,
                outputs: (request.outputs ?? []).map {
                    RequestedOutput(name: $0.name, binary: $0.parameters?.binary_data, classification: $0.parameters?.classification)
                },
                binaryByDefault: request.parameters?.binary_data_output ?? false, height: height, width: width, classes: classes)
        }

        /// Checks `inputs` and `outputs` (from any transport) against a model whose input is `height × width`
        /// RGB and whose output has `classes` classes; `binaryByDefault` is how outputs not asked otherwise
        /// are answered. Every refusal is a 400 that says what is wrong.
        public init(
            id: String?, inputs: [InputTensor], outputs: [RequestedOutput], binaryByDefault: Bool, height: Int, width: Int, classes: Int
        ) throws {
            guard inputs.count == 1, let input = inputs.first else {
                throw APIError.badRequest("exactly one input tensor '\(V2Routes.inputName)' is expected")
            }
            guard input.name == V2Routes.inputName else {
                throw APIError.badRequest("unknown input '\(input.name)'; the model's input is '\(V2Routes.inputName)'")
            }
            switch input.datatype {
            case "FP32":
                (self.tensor, self.count) = try Self.pixels(input, height: height, width: width)
            case "BYTES":
                (self.tensor, self.count) = try Self.images(input)
            default:
                throw APIError.badRequest("input datatype must be FP32 (preprocessed images) or BYTES (encoded images) (got \(input.datatype))")
            }
            self.output = try Self.output(outputs, binaryByDefault: binaryByDefault, classes: classes)
            self.id = id
        }

        /// Where an HTTP input's values are; checks that the binary part is exactly its binary data.
        private static func data(of input: RequestInput, binary: Data, headerLength: Int?) throws -> InputData {
            guard let size = input.parameters?.binary_data_size else {
                guard binary.isEmpty else {
                    throw APIError.badRequest(
                        "the body holds \(binary.count) bytes after its JSON header but the input has no binary_data_size parameter")
                }
                if input.hasJSONStrings { return .jsonStrings }
                return input.data.map { .numbers($0.values) } ?? .none
            }
            guard headerLength != nil else {
                throw APIError.badRequest(
                    "the input has binary_data_size but the request has no Inference-Header-Content-Length header (binary tensor extension)")
            }
            guard input.data == nil, !input.hasJSONStrings else {
                throw APIError.badRequest("the input has both JSON data and binary_data_size; send one of them")
            }
            guard size == binary.count else {
                throw APIError.badRequest("the input's binary_data_size is \(size) but the body holds \(binary.count) bytes after its JSON header")
            }
            return .raw(binary)
        }

        /// An FP32 `[N, height, width, 3]` tensor, from numbers or raw data.
        private static func pixels(_ input: InputTensor, height: Int, width: Int) throws -> (Tensor, Int) {
            guard input.shape.count == 4, input.shape[0] >= 1, input.shape[1] == height, input.shape[2] == width, input.shape[3] == 3 else {
                throw APIError.badRequest("input shape must be [N, \(height), \(width), 3] with N >= 1 (got \(input.shape))")
            }
            let count = input.shape[0]
            let (pixels, pixelsOverflow) = height.multipliedReportingOverflow(by: width)
            let (perImage, perImageOverflow) = pixels.multipliedReportingOverflow(by: 3)
            let (needed, neededOverflow) = count.multipliedReportingOverflow(by: perImage)
            let overflow = pixelsOverflow || perImageOverflow || neededOverflow
            let expected = overflow ? "more than \(Int.max)" : String(needed)
            switch input.data {
            case .raw(let raw):
                guard !overflow, raw.count % 4 == 0, raw.count / 4 == needed else {
                    throw APIError.badRequest("input binary data holds \(raw.count) bytes; shape \(input.shape) needs \(expected) FP32 values of 4 bytes")
                }
                return (.pixels(BinaryData.floats(raw)), count)
            case .numbers(let values):
                guard !overflow, values.count == needed else {
                    throw APIError.badRequest("input data holds \(values.count) values; shape \(input.shape) needs \(expected)")
                }
                return (.pixels(values), count)
            case .elements, .jsonStrings:
                throw APIError.badRequest("an FP32 input holds numbers, not strings or bytes")
            case .none:
                throw APIError.badRequest("the input has no data")
            }
        }

        /// A BYTES `[N]` or `[N, 1]` tensor of encoded images, from elements or raw data.
        private static func images(_ input: InputTensor) throws -> (Tensor, Int) {
            guard (input.shape.count == 1 || (input.shape.count == 2 && input.shape[1] == 1)), input.shape[0] >= 1 else {
                throw APIError.badRequest("a BYTES input's shape must be [N] or [N, 1] with N >= 1, one encoded image each (got \(input.shape))")
            }
            let count = input.shape[0]
            switch input.data {
            case .raw(let raw):
                return (.images(try BinaryData.elements(raw, expected: count)), count)
            case .elements(let elements):
                guard elements.count == count else {
                    throw APIError.badRequest("the BYTES input holds \(elements.count) elements; its shape says \(count)")
                }
                return (.images(elements), count)
            case .jsonStrings:
                throw APIError.badRequest(
                    "BYTES images must come as binary data (binary tensor extension: binary_data_size and Inference-Header-Content-Length; tritonclient's binary_data=True)")
            case .numbers:
                throw APIError.badRequest("a BYTES input holds encoded images, not numbers")
            case .none:
                throw APIError.badRequest("the input has no data")
            }
        }

        /// The output as asked: binary or not, probabilities or a classification.
        private static func output(_ outputs: [RequestedOutput], binaryByDefault: Bool, classes: Int) throws -> Output {
            guard outputs.count <= 1 else {
                throw APIError.badRequest("at most one output can be asked: the model has one, '\(V2Routes.outputName)'")
            }
            guard let asked = outputs.first else { return Output(binary: binaryByDefault, classification: nil) }
            guard asked.name == V2Routes.outputName else {
                throw APIError.badRequest("unknown output '\(asked.name)'; the model has '\(V2Routes.outputName)'")
            }
            if let k = asked.classification, !(1...max(1, classes)).contains(k) {
                throw APIError.badRequest("classification must be between 1 and the model's \(classes) classes (got \(k))")
            }
            return Output(binary: asked.binary ?? binaryByDefault, classification: asked.classification)
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
