import Hummingbird

/// Open Inference Protocol v2 message shapes (KServe / Triton).
public enum V2 {
    /// `GET /v2` answer.
    public struct ServerMetadata: ResponseCodable, Sendable {
        /// Server name.
        public let name: String
        /// Server version.
        public let version: String
        /// Supported protocol extensions (`model_repository` when models can be loaded and unloaded).
        public let extensions: [String]
    }

    /// `POST /v2/repository/index` request (Triton's model repository extension); the body is optional.
    public struct RepositoryIndexRequest: Decodable, Sendable {
        /// Only the models ready to serve.
        public let ready: Bool?
    }

    /// One model in the `POST /v2/repository/index` answer.
    public struct RepositoryIndexEntry: Codable, Sendable {
        /// Model name.
        public let name: String
        /// Its version (serving, else loading or last tried).
        public let version: String?
        /// `READY`, `LOADING` or `UNAVAILABLE`.
        public let state: String
        /// Why it is unavailable (or why its last replacement failed).
        public let reason: String?
    }

    /// `POST /v2/repository/models/{name}/load` and `.../unload` request; the body is optional.
    public struct RepositoryModelRequest: Decodable, Sendable {
        /// Triton's parameters: only `unload_dependents` is accepted (Hublot models have no dependents).
        public let parameters: [String: JSONScalar]?
    }

    /// A scalar JSON value (a parameter's value).
    public enum JSONScalar: Decodable, Sendable {
        /// A boolean.
        case bool(Bool)
        /// A number.
        case number(Double)
        /// A string.
        case string(String)

        /// Decodes a boolean, number or string.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    /// `GET /v2/health/live` answer.
    public struct Live: ResponseCodable, Sendable {
        /// Always true while the process answers.
        public let live: Bool
    }

    /// `GET /v2/health/ready` and `/v2/models/{name}/ready` answer.
    public struct Ready: ResponseCodable, Sendable {
        /// Whether the server (default model) or the model is ready.
        public let ready: Bool
    }

    /// A tensor description in model metadata.
    public struct TensorMetadata: Codable, Sendable {
        /// Tensor name.
        public let name: String
        /// Element type, `FP32`.
        public let datatype: String
        /// Shape; -1 is the variable batch dimension.
        public let shape: [Int]
    }

    /// `GET /v2/models/{name}` answer.
    public struct ModelMetadata: ResponseCodable, Sendable {
        /// Model name.
        public let name: String
        /// Available versions (`"1"`).
        public let versions: [String]
        /// Backend platform.
        public let platform: String
        /// The input tensor: `[-1, H, W, 3]` FP32 in [0, 1].
        public let inputs: [TensorMetadata]
        /// The output tensor: `[-1, classes]` FP32 probabilities.
        public let outputs: [TensorMetadata]
    }

    /// A tensor in an inference request: JSON `data` (flat or nested), or, under the binary tensor
    /// extension, `parameters.binary_data_size` bytes of the body after the JSON header.
    public struct RequestInput: Decodable, Sendable {
        /// Tensor name.
        public let name: String
        /// Shape.
        public let shape: [Int]
        /// Element type.
        public let datatype: String
        /// The values of an `FP32` tensor given as JSON `data`, row-major.
        public let data: FlatNumbers?
        /// True when a `BYTES` tensor came as JSON `data` (strings cannot carry encoded images).
        public let hasJSONStrings: Bool
        /// Binary tensor extension parameters.
        public let parameters: InputParameters?

        private enum CodingKeys: String, CodingKey { case name, shape, datatype, data, parameters }

        /// Decodes the tensor; `data` is read as numbers for every datatype but `BYTES`.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.name = try container.decode(String.self, forKey: .name)
            self.shape = try container.decode([Int].self, forKey: .shape)
            self.datatype = try container.decode(String.self, forKey: .datatype)
            self.parameters = try container.decodeIfPresent(InputParameters.self, forKey: .parameters)
            if self.datatype == "BYTES" {
                self.data = nil
                self.hasJSONStrings = container.contains(.data)
            } else {
                self.data = try container.decodeIfPresent(FlatNumbers.self, forKey: .data)
                self.hasJSONStrings = false
            }
        }
    }

    /// An input's parameters this server understands.
    public struct InputParameters: Decodable, Sendable {
        /// The size of the tensor's data in the binary part of the body (binary tensor extension).
        public let binary_data_size: Int?
    }

    /// A requested output.
    public struct RequestOutput: Decodable, Sendable {
        /// Output name.
        public let name: String
        /// Parameters: `binary_data`, `classification`.
        public let parameters: OutputParameters?
    }

    /// A requested output's parameters this server understands.
    public struct OutputParameters: Decodable, Sendable {
        /// Return the output as binary data after the JSON header (binary tensor extension).
        public let binary_data: Bool?
        /// Return the top `classification` classes as a `BYTES` tensor of `"probability:index:label"`
        /// strings instead of the probabilities (Triton's classification extension).
        public let classification: Int?
    }

    /// An inference request's parameters this server understands (others are ignored).
    public struct RequestParameters: Decodable, Sendable {
        /// Outputs not listed in `outputs` (all of them when none is) come as binary data.
        public let binary_data_output: Bool?
    }

    /// `POST /v2/models/{name}/infer` request (its JSON part, under the binary tensor extension).
    public struct InferenceRequest: Decodable, Sendable {
        /// Request id, echoed.
        public let id: String?
        /// Input tensors (exactly one).
        public let inputs: [RequestInput]
        /// Requested outputs (optional).
        public let outputs: [RequestOutput]?
        /// Request parameters (optional).
        public let parameters: RequestParameters?
    }

    /// A tensor in an inference response.
    public struct ResponseOutput: Encodable, Sendable {
        /// Tensor name.
        public let name: String
        /// Element type, `FP32` (probabilities) or `BYTES` (classification strings).
        public let datatype: String
        /// Shape `[N, classes]`, or `[N, k]` for a classification.
        public let shape: [Int]
        /// Flat row-major values; nil when they are sent as binary data.
        public let data: ResponseData?
        /// `binary_data_size` when the values are sent as binary data.
        public let parameters: BinaryDataParameters?
    }

    /// An output's values given as JSON.
    public enum ResponseData: Encodable, Sendable, Equatable {
        /// FP32 values.
        case numbers([Float])
        /// BYTES values.
        case strings([String])

        /// Encodes the array.
        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .numbers(let values): try values.encode(to: encoder)
            case .strings(let values): try values.encode(to: encoder)
            }
        }
    }

    /// Where an output's binary data is: its size, in the order of the outputs.
    public struct BinaryDataParameters: Encodable, Sendable {
        /// Bytes of this output in the binary part of the body.
        public let binary_data_size: Int
    }

    /// `POST /v2/models/{name}/infer` answer (its JSON part, under the binary tensor extension).
    public struct InferenceResponse: Encodable, Sendable {
        /// Model name.
        public let model_name: String
        /// Model version.
        public let model_version: String
        /// The request's id, if it had one.
        public let id: String?
        /// The output tensors.
        public let outputs: [ResponseOutput]
    }

    /// Numbers given flat or as nested arrays, flattened in row-major order.
    public struct FlatNumbers: Decodable, Sendable {
        /// The flattened values.
        public let values: [Float]

        /// Decodes `[1, 2, …]` or `[[…], […]]` at any depth.
        public init(from decoder: any Decoder) throws {
            var values: [Float] = []
            var container = try decoder.unkeyedContainer()
            if let count = container.count { values.reserveCapacity(count) }
            while !container.isAtEnd {
                if let value = try? container.decode(Float.self) {
                    values.append(value)
                } else {
                    values.append(contentsOf: try container.decode(FlatNumbers.self).values)
                }
            }
            self.values = values
        }
    }
}
