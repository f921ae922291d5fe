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

    /// A tensor in an inference request (JSON data, flat or nested).
    public struct RequestInput: Decodable, Sendable {
        /// Tensor name.
        public let name: String
        /// Shape.
        public let shape: [Int]
        /// Element type.
        public let datatype: String
        /// The values, row-major.
        public let data: FlatNumbers
    }

    /// A requested output.
    public struct RequestOutput: Decodable, Sendable {
        /// Output name.
        public let name: String
        /// Parameters (only `binary_data: false` is supported).
        public let parameters: Parameters?
    }

    /// Request or output parameters this server understands.
    public struct Parameters: Decodable, Sendable {
        /// Binary tensor extension flag (must be false or absent).
        public let binary_data: Bool?
    }

    /// `POST /v2/models/{name}/infer` request.
    public struct InferenceRequest: Decodable, Sendable {
        /// Request id, echoed.
        public let id: String?
        /// Input tensors (exactly one).
        public let inputs: [RequestInput]
        /// Requested outputs (optional).
        public let outputs: [RequestOutput]?
    }

    /// A tensor in an inference response.
    public struct ResponseOutput: Codable, Sendable {
        /// Tensor name.
        public let name: String
        /// Element type, `FP32`.
        public let datatype: String
        /// Shape `[N, classes]`.
        public let shape: [Int]
        /// Flat row-major values.
        public let data: [Float]
    }

    /// `POST /v2/models/{name}/infer` answer.
    public struct InferenceResponse: ResponseCodable, Sendable {
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
