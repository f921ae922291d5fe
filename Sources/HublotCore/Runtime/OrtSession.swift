import CONNXRuntime
import Foundation

/// A loaded ONNX model (`OrtSession`) taking one float32 input and giving one float32 output.
///
/// Concurrency: ORT documents `Run` on one session as thread-safe, so this
/// class is `@unchecked Sendable`; its own state is immutable after `init`.
/// Callers that care about latency should still run one batch at a time per
/// session (the intra-op thread pool already uses every core).
public final class OrtSession: @unchecked Sendable {
    /// The environment is kept alive as long as the session.
    public let environment: OrtEnvironment
    /// The model file this session was loaded from.
    public let modelURL: URL
    /// The model's first input name.
    public let inputName: String
    /// The model's first output name.
    public let outputName: String
    /// The declared input shape; dynamic dimensions are -1.
    public let inputShape: [Int64]
    /// The declared output shape; dynamic dimensions are -1.
    public let outputShape: [Int64]

    private let api: OrtAPI
    private let pointer: OpaquePointer
    private let memoryInfo: OpaquePointer

    /// Loads `modelURL` with the given configuration.
    ///
    /// Throws ``HublotError/Kind/modelLoadFailed`` carrying ORT's message and the file.
    public init(environment: OrtEnvironment, modelURL: URL, configuration: RuntimeConfiguration = .init()) throws(HublotError) {
        let api = environment.api
        let path = modelURL.path
        let context = "cannot load model \(path)"
        guard FileManager.default.fileExists(atPath: path) else {
            throw HublotError(.modelLoadFailed, "\(context): the file does not exist")
        }

        var options: OpaquePointer?
        try api.check(api.table.CreateSessionOptions(&options), .modelLoadFailed, context)
        guard let options else { throw HublotError(.modelLoadFailed, "\(context): no session options") }
        defer { api.table.ReleaseSessionOptions(options) }
        if environment.globalThreads != nil {
            // The process's one pool (OrtEnvironment's global thread pools) runs this session.
            try api.check(api.table.DisablePerSessionThreads(options), .modelLoadFailed, context)
        } else {
            try api.check(
                api.table.SetIntraOpNumThreads(options, Int32(configuration.intraOpThreads)), .modelLoadFailed, context)
            try api.check(api.table.SetInterOpNumThreads(options, 1), .modelLoadFailed, context)
            try api.check(
                api.table.AddSessionConfigEntry(
                    options, "session.intra_op.allow_spinning", configuration.spinWaiting ? "1" : "0"),
                .modelLoadFailed, context)
        }
        try api.check(
            api.table.SetSessionGraphOptimizationLevel(
                options, configuration.optimizeGraph ? ORT_ENABLE_ALL : ORT_DISABLE_ALL),
            .modelLoadFailed, context)

        var session: OpaquePointer?
        try api.check(
            api.table.CreateSession(environment.pointer, path, options, &session), .modelLoadFailed, context)
        guard let session else { throw HublotError(.modelLoadFailed, "\(context): no session") }

        var memoryInfo: OpaquePointer?
        do throws(HublotError) {
            try api.check(
                api.table.CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memoryInfo),
                .modelLoadFailed, context)
            guard memoryInfo != nil else { throw HublotError(.modelLoadFailed, "\(context): no memory info") }
            let inputs = try Self.describe(api, session, input: true, context: context)
            let outputs = try Self.describe(api, session, input: false, context: context)
            self.inputName = inputs.name
            self.inputShape = inputs.shape
            self.outputName = outputs.name
            self.outputShape = outputs.shape
        } catch {
            if let memoryInfo { api.table.ReleaseMemoryInfo(memoryInfo) }
            api.table.ReleaseSession(session)
            throw error
        }
        self.environment = environment
        self.modelURL = modelURL
        self.api = api
        self.pointer = session
        self.memoryInfo = memoryInfo!
    }

    deinit {
        api.table.ReleaseMemoryInfo(memoryInfo)
        api.table.ReleaseSession(pointer)
        // A session frees tens of MiB of weights and arena; glibc keeps freed heap memory for the next
        // allocation unless asked to give it back, so an unloaded model would stay in the RSS.
        #if canImport(Glibc)
        malloc_trim(0)
        #endif
    }

    /// Runs the model on `input` (row-major, shape `shape`) and returns the flat output and its shape.
    ///
    /// Throws ``HublotError/Kind/invalidArgument`` when `input.count` does not
    /// match `shape`, ``HublotError/Kind/inferenceFailed`` with ORT's message otherwise.
    public func run(input: UnsafeBufferPointer<Float>, shape: [Int64]) throws(HublotError) -> (values: [Float], shape: [Int64]) {
        let expected = shape.reduce(1, *)
        guard expected == Int64(input.count), let base = input.baseAddress else {
            throw HublotError(.invalidArgument, "input holds \(input.count) floats, shape \(shape) needs \(expected)")
        }
        let context = "inference failed (\(modelURL.lastPathComponent))"
        var inputValue: OpaquePointer?
        let mutableBase = UnsafeMutableRawPointer(mutating: base)
        try shape.withUnsafeBufferPointer { (dims) throws(HublotError) in
            try api.check(
                api.table.CreateTensorWithDataAsOrtValue(
                    memoryInfo, mutableBase, input.count * MemoryLayout<Float>.stride,
                    dims.baseAddress, dims.count, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &inputValue),
                .inferenceFailed, context)
        }
        guard let inputValue else { throw HublotError(.inferenceFailed, "\(context): no input tensor") }
        defer { api.table.ReleaseValue(inputValue) }

        var outputValue: OpaquePointer?
        let status: OrtStatusPtr? = inputName.withCString { inName in
            outputName.withCString { outName in
                var inNames: [UnsafePointer<CChar>?] = [inName]
                var outNames: [UnsafePointer<CChar>?] = [outName]
                var inputs: [OpaquePointer?] = [inputValue]
                return api.table.Run(pointer, nil, &inNames, &inputs, 1, &outNames, 1, &outputValue)
            }
        }
        try api.check(status, .inferenceFailed, context)
        guard let outputValue else { throw HublotError(.inferenceFailed, "\(context): no output") }
        defer { api.table.ReleaseValue(outputValue) }

        var info: OpaquePointer?
        try api.check(api.table.GetTensorTypeAndShape(outputValue, &info), .inferenceFailed, context)
        guard let info else { throw HublotError(.inferenceFailed, "\(context): no output shape") }
        defer { api.table.ReleaseTensorTypeAndShapeInfo(info) }
        var elementType = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED
        try api.check(api.table.GetTensorElementType(info, &elementType), .inferenceFailed, context)
        guard elementType == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT else {
            throw HublotError(.inferenceFailed, "\(context): the output is not float32 (ONNX type \(elementType.rawValue))")
        }
        let outShape = try Self.dimensions(api, info, context: context)
        var count = 0
        try api.check(api.table.GetTensorShapeElementCount(info, &count), .inferenceFailed, context)
        var data: UnsafeMutableRawPointer?
        try api.check(api.table.GetTensorMutableData(outputValue, &data), .inferenceFailed, context)
        guard let data else { throw HublotError(.inferenceFailed, "\(context): no output data") }
        let floats = data.bindMemory(to: Float.self, capacity: count)
        return (Array(UnsafeBufferPointer(start: floats, count: count)), outShape)
    }

    // MARK: - Introspection

    private static func describe(
        _ api: OrtAPI, _ session: OpaquePointer, input: Bool, context: String
    ) throws(HublotError) -> (name: String, shape: [Int64]) {
        let what = input ? "input" : "output"
        var count = 0
        try api.check(
            input ? api.table.SessionGetInputCount(session, &count) : api.table.SessionGetOutputCount(session, &count),
            .modelLoadFailed, context)
        guard count == 1 else {
            throw HublotError(.modelLoadFailed, "\(context): the model has \(count) \(what)s, HublotCore needs exactly one")
        }
        var allocator: UnsafeMutablePointer<OrtAllocator>?
        try api.check(api.table.GetAllocatorWithDefaultOptions(&allocator), .modelLoadFailed, context)
        var rawName: UnsafeMutablePointer<CChar>?
        try api.check(
            input
                ? api.table.SessionGetInputName(session, 0, allocator, &rawName)
                : api.table.SessionGetOutputName(session, 0, allocator, &rawName),
            .modelLoadFailed, context)
        guard let rawName else { throw HublotError(.modelLoadFailed, "\(context): unnamed \(what)") }
        let name = String(cString: rawName)
        _ = api.table.AllocatorFree(allocator, rawName)

        var typeInfo: OpaquePointer?
        try api.check(
            input
                ? api.table.SessionGetInputTypeInfo(session, 0, &typeInfo)
                : api.table.SessionGetOutputTypeInfo(session, 0, &typeInfo),
            .modelLoadFailed, context)
        guard let typeInfo else { throw HublotError(.modelLoadFailed, "\(context): no \(what) type") }
        defer { api.table.ReleaseTypeInfo(typeInfo) }
        var tensorInfo: OpaquePointer?
        try api.check(api.table.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), .modelLoadFailed, context)
        guard let tensorInfo else {
            throw HublotError(.modelLoadFailed, "\(context): the \(what) '\(name)' is not a tensor")
        }
        var elementType = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED
        try api.check(api.table.GetTensorElementType(tensorInfo, &elementType), .modelLoadFailed, context)
        guard elementType == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT else {
            throw HublotError(
                .modelLoadFailed, "\(context): the \(what) '\(name)' is not float32 (ONNX type \(elementType.rawValue))")
        }
        return (name, try dimensions(api, tensorInfo, context: context))
    }

    private static func dimensions(_ api: OrtAPI, _ info: OpaquePointer, context: String) throws(HublotError) -> [Int64] {
        var rank = 0
        try api.check(api.table.GetDimensionsCount(info, &rank), .modelLoadFailed, context)
        var dims = [Int64](repeating: 0, count: rank)
        try api.check(api.table.GetDimensions(info, &dims, rank), .modelLoadFailed, context)
        return dims
    }
}
