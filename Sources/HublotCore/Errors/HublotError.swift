/// Every failure HublotCore reports, with a message meant for the user.
///
/// Match on ``kind`` to map an error to an HTTP status or an exit code; read
/// ``message`` (also the `description`) to show it.
public struct HublotError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a closed set callers can switch over.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The image has no bytes at all.
        case emptyImage
        /// The bytes are not an image format HublotCore decodes (JPEG, PNG).
        case unsupportedImageFormat
        /// The bytes claim to be JPEG or PNG but cannot be decoded (truncated, corrupt).
        case invalidImage
        /// The header announces more pixels than the configured limit.
        case tooManyPixels
        /// The image is so thin that resizing it to the model input leaves no pixel row or column.
        case imageTooSmall
        /// The model repository folder does not exist or cannot be read.
        case repositoryNotFound
        /// No model of that name in the repository.
        case unknownModel
        /// `model.json` or `labels.txt` is missing, unreadable or inconsistent.
        case invalidModelMetadata
        /// ONNX Runtime refused to load `model.onnx` (missing, corrupt, wrong shapes).
        case modelLoadFailed
        /// ONNX Runtime failed while running the model.
        case inferenceFailed
        /// The caller passed an argument HublotCore cannot use (wrong batch index, empty batch).
        case invalidArgument
    }

    /// The category of the failure.
    public let kind: Kind
    /// A one-line explanation for the user.
    public let message: String

    /// Creates an error of a given kind with a user-facing message.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The user-facing message.
    public var description: String { message }

    /// The image formats HublotCore decodes, for error messages.
    public static let supportedImageFormats = "JPEG, PNG"
}

/// Runs `body` (a closure passed through an untyped-rethrowing API such as
/// `withUnsafeBytes`) and rethrows its ``HublotError`` with its type restored.
func rethrowingHublotError<R>(_ body: () throws -> R) throws(HublotError) -> R {
    do {
        return try body()
    } catch let error as HublotError {
        throw error
    } catch {
        throw HublotError(.invalidArgument, "\(error)")
    }
}
