import FuzzDriver
import FuzzImaging

/// libFuzzer entry point: HublotCore's JPEG path (the corpus holds JPEGs; see scripts/fuzz).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzJPEG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ImagePipeline.run(LibFuzzer.bytes(data, size))
    return 0
}

LibFuzzer.main(fuzzJPEG)
