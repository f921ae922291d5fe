import Foundation
import HublotHTTP
import Hummingbird

extension V2 {
    /// The binary tensor extension of the Open Inference Protocol (Triton's, which KServe and OpenVINO
    /// share): a body is a JSON header of `Inference-Header-Content-Length` bytes followed by the tensors'
    /// raw data, each tensor's size in its `binary_data_size` parameter. FP32 values are little-endian;
    /// each element of a BYTES tensor is a 4-byte little-endian length followed by that many bytes.
    /// Pure (no I/O), so the fuzzer reaches every check.
    public enum BinaryData {
        /// The HTTP field that gives the JSON header's length, in requests and answers.
        public static let headerLengthField = HTTPFields.Element.Name("Inference-Header-Content-Length")!

        /// The header length `value` announces for a body of `bodyCount` bytes, else a 400.
        public static func headerLength(_ value: String, bodyCount: Int) throws -> Int {
            guard let length = Int(value), length >= 0 else {
                throw APIError.badRequest("Inference-Header-Content-Length must be a byte count (got '\(value)')")
            }
            guard length <= bodyCount else {
                throw APIError.badRequest("Inference-Header-Content-Length is \(length) but the body holds \(bodyCount) bytes")
            }
            return length
        }

        /// The FP32 values of `bytes` (little-endian); their count must be a multiple of 4.
        static func floats(_ bytes: Data) -> [Float] {
            let count = bytes.count / MemoryLayout<Float>.size
            return bytes.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
        }

        /// The `expected` elements of a BYTES tensor's data, else a 400 naming what is wrong.
        static func elements(_ bytes: Data, expected: Int) throws -> [[UInt8]] {
            var elements: [[UInt8]] = []
            elements.reserveCapacity(min(expected, bytes.count / 4))
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    guard elements.count < expected else {
                        throw APIError.badRequest("the BYTES input holds more than the \(expected) elements its shape says")
                    }
                    guard raw.count - offset >= 4 else {
                        throw APIError.badRequest("the BYTES input's element \(elements.count) is cut in its 4-byte length")
                    }
                    let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                    offset += 4
                    guard raw.count - offset >= length else {
                        throw APIError.badRequest(
                            "the BYTES input's element \(elements.count) says \(length) bytes but \(raw.count - offset) remain")
                    }
                    elements.append(Array(raw[offset..<(offset + length)]))
                    offset += length
                }
            }
            guard elements.count == expected else {
                throw APIError.badRequest("the BYTES input holds \(elements.count) elements; its shape says \(expected)")
            }
            return elements
        }

        /// `values` as little-endian FP32 bytes.
        public static func bytes(of values: [Float]) -> [UInt8] {
            var bytes = [UInt8]()
            bytes.reserveCapacity(values.count * 4)
            for value in values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
            return bytes
        }

        /// `strings` as a BYTES tensor's data: each one's UTF-8 length (4 bytes, little-endian), then its bytes.
        public static func bytes(of strings: [String]) -> [UInt8] {
            var bytes = [UInt8]()
            for string in strings {
                let utf8 = Array(string.utf8)
                withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: utf8)
            }
            return bytes
        }
    }
}
