import CTurboJPEG

/// A TurboJPEG decompressor handle, or nil when the library cannot allocate one.
func tjInitDecompressHandle() -> tjhandle? { tjInitDecompress() }

/// Frees a TurboJPEG handle.
func tjDestroyHandle(_ handle: tjhandle) { _ = tjDestroy(handle) }
