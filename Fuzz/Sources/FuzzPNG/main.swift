import FuzzDriver
import FuzzImaging

/// libFuzzer entry point: HublotCore's PNG path (the corpus holds PNGs; see scripts/fuzz).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ImagePipeline.run(LibFuzzer.bytes(data, size))
    return 0
}

LibFuzzer.main(fuzzPNG)
