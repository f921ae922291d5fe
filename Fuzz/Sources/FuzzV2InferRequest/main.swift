import Foundation
import FuzzDriver
import HublotClassifier

/// libFuzzer entry point: the `/v2/models/{name}/infer` body decoding, as `V2Routes.run` does it
/// (`JSONDecoder().decode(V2.InferenceRequest.self, …)`, nested data flattened by `V2.FlatNumbers`).
/// The route's shape and size validation is private to `V2Routes.run` and needs a loaded model,
/// so it is not reached here (docs/fuzzing.md).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzV2InferRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Data(LibFuzzer.bytes(data, size))
    guard let request = try? JSONDecoder().decode(V2.InferenceRequest.self, from: body) else { return 0 }
    for input in request.inputs {
        _ = input.data.values.reduce(0, +)
        _ = input.shape.count
    }
    return 0
}

LibFuzzer.main(fuzzV2InferRequest)
