import Hummingbird

extension Router {
    /// Methods a client may try; the ones a path does not serve answer 405.
    static var probedMethods: [HTTPRequest.Method] { [.get, .head, .post, .put, .delete, .patch, .options, .trace, .init("QUERY")!] }

    /// Makes `path` answer 405 `method_not_allowed` (JSON, with an `Allow` header) to every method
    /// not in `allowed` (Hummingbird alone answers 404 there). `HEAD` counts as allowed with `GET`.
    public func addMethodNotAllowed(_ path: RouterPath, allowed: [HTTPRequest.Method]) {
        var served = Set(allowed)
        if served.contains(.get) { served.insert(.head) }
        let allow = Self.probedMethods.filter(served.contains).map(\.rawValue).joined(separator: ", ")
        for method in Self.probedMethods where !served.contains(method) {
            self.on(path, method: method) { request, _ -> Response in
                throw APIError(
                    status: .methodNotAllowed, code: .methodNotAllowed,
                    message: "\(request.method.rawValue) is not allowed here; allowed: \(allow)",
                    headers: [.allow: allow])
            }
        }
    }
}
