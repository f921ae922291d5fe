import Foundation
import FuzzDriver
import HublotClassifier

/// libFuzzer entry point: the `/v2/models/{name}/infer` body, decoded and validated as `V2Routes.run` does it
/// (`V2.InferenceInput`: JSON decoding with nested data flattened, then every check against the model's input),
/// for the default model's 224×224 input and for 8×8 and 1×1 inputs that the seeds and small generated bodies satisfy.
/// An accepted body must hold exactly N × H × W × 3 values with N ≥ 1: anything else is a crash.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzV2InferRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Data(LibFuzzer.bytes(data, size))
    for (height, width) in [(224, 224), (8, 8), (1, 1)] {
        guard let input = try? V2.InferenceInput(body: body, height: height, width: width) else { continue }
        precondition(input.count >= 1, "accepted a batch of \(input.count)")
        precondition(input.values.count == input.count * height * width * 3, "accepted \(input.values.count) values for N = \(input.count)")
    }
    return 0
}

LibFuzzer.main(fuzzV2InferRequest)
