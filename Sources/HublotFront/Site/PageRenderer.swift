import Foundation
import Mustache

/// Renders the site's mustache templates (`Resources/templates`); `{{…}}` escapes HTML, so every label,
/// model name and file name reaches the page escaped.
public struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// Loads every template of the bundle.
    public init() async throws {
        guard let directory = FrontResources.url("templates") else { throw FrontResourceError.missing("templates") }
        self.library = try await MustacheLibrary(directory: directory.path)
    }

    /// Renders the template `name` with `context`.
    public func render(_ name: String, context: [String: Any]) throws -> String {
        guard let html = library.render(context, withTemplate: name) else { throw FrontResourceError.missing("templates/\(name).mustache") }
        return html
    }
}
