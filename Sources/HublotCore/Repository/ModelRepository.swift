import Foundation

/// The model repository (the weight cache) written by hublot-init: one folder per model.
///
/// A folder is a model when it holds `model.json`; folders starting with "." (the TF Hub
/// cache, temporary folders of an ongoing prepare) are ignored.
public struct ModelRepository: Sendable {
    /// The repository root.
    public let url: URL

    /// A repository rooted at `url`; nothing is read until asked.
    public init(url: URL) {
        self.url = url
    }

    /// Names of the models in the repository, sorted.
    ///
    /// Throws ``HublotError/Kind/repositoryNotFound`` when the folder is missing.
    public func modelNames() throws(HublotError) -> [String] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HublotError(.repositoryNotFound, "model repository \(url.path) does not exist or is not a folder")
        }
        guard let entries = try? fm.contentsOfDirectory(atPath: url.path) else {
            throw HublotError(.repositoryNotFound, "cannot read the model repository \(url.path)")
        }
        return entries.filter { name in
            !name.hasPrefix(".")
                && fm.fileExists(atPath: url.appendingPathComponent(name).appendingPathComponent("model.json").path)
        }.sorted()
    }

    /// The model called `name`, with its metadata and labels read and checked.
    ///
    /// Throws ``HublotError/Kind/unknownModel`` (listing the available ones) when absent.
    public func model(named name: String) throws(HublotError) -> ModelDescriptor {
        let names = try modelNames()
        guard names.contains(name) else {
            let available = names.isEmpty ? "the repository is empty" : "available: \(names.joined(separator: ", "))"
            throw HublotError(.unknownModel, "no model \"\(name)\" in \(url.path) (\(available))")
        }
        return try ModelDescriptor(directory: url.appendingPathComponent(name))
    }
}
