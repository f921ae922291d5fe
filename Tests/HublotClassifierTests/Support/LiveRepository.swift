import Foundation

/// A model repository of its own for one test, changed the way hublot-init changes one: each model
/// folder is built beside the repository's models under a "." name, then renamed into place (the old
/// folder renamed away first). Its models are copies of the prepared EfficientNet-Lite0 whose large
/// files are symbolic links; `model.json` is rewritten with the model's name and version.
struct LiveRepository {
    /// The repository root.
    let url: URL
    private let real: URL

    /// An empty repository in the temporary folder.
    init() throws {
        self.real = try Fixtures.modelRepository().appendingPathComponent("efficientnet_lite0")
        self.url = FileManager.default.temporaryDirectory.appendingPathComponent("hublot-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    /// Publishes model `name` at `version` (replacing the folder there); `corrupt` writes an ONNX file
    /// that is not a model; `fields` are added to its `model.json` (e.g. an int8 entry's `precision`).
    func publish(_ name: String, version: Int, corrupt: Bool = false, fields: [String: String] = [:]) throws {
        let fm = FileManager.default
        let staging = self.url.appendingPathComponent(".tmp-\(name)-\(UUID().uuidString)")
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: self.real.appendingPathComponent("model.json"))) as! [String: Any]
        json["name"] = name
        json["version"] = version
        for (key, value) in fields { json[key] = value }
        var onnx = json["onnx"] as! [String: Any]
        let onnxFile = onnx["file"] as! String
        if corrupt {
            try Data("this is not an ONNX model".utf8).write(to: staging.appendingPathComponent(onnxFile))
            onnx["sha256"] = String(repeating: "0", count: 64)
            json["onnx"] = onnx
        } else {
            try fm.createSymbolicLink(at: staging.appendingPathComponent(onnxFile), withDestinationURL: self.real.appendingPathComponent(onnxFile))
        }
        let labels = (json["labels"] as! [String: Any])["file"] as! String
        try fm.createSymbolicLink(at: staging.appendingPathComponent(labels), withDestinationURL: self.real.appendingPathComponent(labels))
        try JSONSerialization.data(withJSONObject: json).write(to: staging.appendingPathComponent("model.json"))
        let target = self.url.appendingPathComponent(name)
        if fm.fileExists(atPath: target.path) {
            let old = self.url.appendingPathComponent(".old-\(name)-\(UUID().uuidString)")
            try fm.moveItem(at: target, to: old)
            try fm.moveItem(at: staging, to: target)
            try fm.removeItem(at: old)
        } else {
            try fm.moveItem(at: staging, to: target)
        }
    }

    /// Removes model `name`.
    func remove(_ name: String) throws {
        try FileManager.default.removeItem(at: self.url.appendingPathComponent(name))
    }

    /// Removes the whole repository.
    func delete() {
        try? FileManager.default.removeItem(at: self.url)
    }
}
