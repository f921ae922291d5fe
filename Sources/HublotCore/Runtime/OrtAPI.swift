import CONNXRuntime

/// The ONNX Runtime C API function table, fetched once.
///
/// The table is immutable and ORT's functions are thread-safe where ORT
/// documents them so, hence `@unchecked Sendable`.
struct OrtAPI: @unchecked Sendable {
    /// The function table for `ORT_API_VERSION` (the headers HublotCore was built with).
    let table: OrtApi

    /// The loaded ONNX Runtime library's version string, e.g. "1.32.0".
    let version: String

    /// The shared table, or the error explaining why the library refused our API version.
    static let shared: Result<OrtAPI, HublotError> = {
        guard let base = OrtGetApiBase() else {
            return .failure(HublotError(.modelLoadFailed, "ONNX Runtime: OrtGetApiBase() returned nothing"))
        }
        let version = base.pointee.GetVersionString.flatMap { $0() }.map { String(cString: $0) } ?? "unknown"
        guard let getApi = base.pointee.GetApi, let table = getApi(UInt32(ORT_API_VERSION)) else {
            return .failure(HublotError(
                .modelLoadFailed,
                "ONNX Runtime \(version) does not provide C API version \(ORT_API_VERSION); install ONNX Runtime ≥ 1.21"))
        }
        return .success(OrtAPI(table: table.pointee, version: version))
    }()

    /// The shared table; throws when ONNX Runtime is unusable.
    static func get() throws(HublotError) -> OrtAPI {
        try shared.get()
    }

    /// Turns an `OrtStatus*` into a thrown ``HublotError`` (releasing the status), or returns when it is null.
    func check(_ status: OrtStatusPtr?, _ kind: HublotError.Kind, _ context: @autoclosure () -> String) throws(HublotError) {
        guard let status else { return }
        let message = table.GetErrorMessage(status).map { String(cString: $0) } ?? "unknown error"
        table.ReleaseStatus(status)
        throw HublotError(kind, "\(context()): ONNX Runtime: \(message)")
    }
}
