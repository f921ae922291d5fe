import Foundation
import FuzzDriver
import HublotClassifier

/// libFuzzer entry point: the `/v2/models/{name}/infer` body, decoded and validated as `V2Routes.run` does it
/// (`V2.InferenceInput`: JSON decoding with nested data flattened, then every check against the model's input),
/// for the default model's 224×224 input and for 8×8 and 1×1 inputs that the seeds and small generated bodies satisfy;
/// each body as JSON, and again under the binary tensor extension with its JSON header ending at its first NUL byte
/// (FP32 values or BYTES elements after it). An accepted body must hold exactly N × H × W × 3 values or N images with
/// N ≥ 1: anything else is a crash.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzV2InferRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Data(LibFuzzer.bytes(data, size))
    let headerLengths: [Int?] = [nil, body.firstIndex(of: 0).map { $0 - body.startIndex }]
    for (height, width) in [(224, 224), (8, 8), (1, 1)] {
        for headerLength in headerLengths {
            guard let input = try? V2.InferenceInput(body: body, height: height, width: width, classes: 1000, headerLength: headerLength) else {
                continue
            }
            precondition(input.count >= 1, "accepted a batch of \(input.count)")
            switch input.tensor {
            case .pixels(let values):
                precondition(values.count == input.count * height * width * 3, "accepted \(values.count) values for N = \(input.count)")
            case .images(let images):
                precondition(images.count == input.count, "accepted \(images.count) images for N = \(input.count)")
            }
            if let k = input.output.classification { precondition((1...1000).contains(k), "accepted classification \(k)") }
        }
    }
    return 0
}

LibFuzzer.main(fuzzV2InferRequest)
