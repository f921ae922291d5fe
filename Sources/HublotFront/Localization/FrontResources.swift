import Foundation

/// Locates the files bundled in `Sources/HublotFront/Resources` (templates, translations, CSS, JS).
public enum FrontResources {
    /// The `Resources` folder copied into the module bundle.
    public static var directory: URL? {
        Bundle.module.url(forResource: "Resources", withExtension: nil)
    }

    /// The URL of a file inside `Resources`, if it exists.
    public static func url(_ relativePath: String) -> URL? {
        guard let url = directory?.appendingPathComponent(relativePath),
            FileManager.default.fileExists(atPath: url.path)
        else { return nil }
        return url
    }
}

/// A bundled resource the front cannot start without is missing.
public enum FrontResourceError: Error, CustomStringConvertible {
    /// The named file or folder is not in the bundle.
    case missing(String)

    /// A sentence naming the missing resource.
    public var description: String {
        switch self {
        case .missing(let path): "bundled resource missing: Resources/\(path)"
        }
    }
}
