import ArgumentParser
import HublotCore

/// The exit status of `hublot` for each kind of failure (documented in `hublot --help`).
enum ExitCodes {
    /// The status for a HublotCore error kind.
    static func code(for kind: HublotError.Kind) -> Int32 {
        switch kind {
        case .repositoryNotFound: 10
        case .unknownModel: 11
        case .invalidModelMetadata: 12
        case .modelLoadFailed: 13
        case .inferenceFailed: 14
        case .emptyImage: 21
        case .unsupportedImageFormat: 22
        case .invalidImage: 23
        case .tooManyPixels: 24
        case .imageTooSmall: 25
        case .invalidArgument: 1
        }
    }

    /// The status when an image file cannot be read at all.
    static let unreadableFile: Int32 = 20

    /// The exit codes, for `--help`.
    static let helpText = """
        Exit status:
          0   success
          1   internal error
          10  model repository missing          11  unknown model (the available ones are listed)
          12  invalid model.json / labels.txt   13  model.onnx cannot be loaded (ONNX Runtime's message)
          14  inference failed
          20  image file cannot be read         21  image file is empty
          22  unsupported image format          23  corrupt or truncated image
          24  image has more pixels than --max-pixels
          25  image too thin to fit the model input
          64  bad command line
        With several images, each bad image is reported on stderr, the others are still
        classified, and the status is the one of the first failure.
        """
}

/// Prints a failure on stderr and returns its exit status.
func report(_ error: HublotError, prefix: String? = nil) -> Int32 {
    let text = prefix.map { "\($0): \(error.message)" } ?? error.message
    printToStandardError("hublot: error: \(text)")
    return ExitCodes.code(for: error.kind)
}
