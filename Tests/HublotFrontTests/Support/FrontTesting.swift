import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HublotFront
import NIOCore
import Prometheus

/// Builds the front for a test, pointing at `classifierURL` (a name resolved by `resolver`); its metrics live in `registry` (by default
/// a fresh one, so parallel suites never change each other's series).
func makeFront(
    classifierURL: String, requestTimeout: Duration = .seconds(60), maxUploadBytes: Int = 20 * 1024 * 1024,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), resolver: any ClassifierResolver = GetaddrinfoResolver()
) async throws -> some ApplicationProtocol {
    let configuration = FrontConfiguration(
        host: "127.0.0.1", port: 0, classifierURL: classifierURL, connectTimeout: .seconds(2),
        requestTimeout: requestTimeout, maxUploadBytes: maxUploadBytes)
    return try await buildFrontApplication(configuration: configuration, registry: registry, resolver: resolver)
}

/// A `multipart/form-data` body like the one a browser posts from the site's forms.
struct MultipartForm {
    let boundary = "----hublot-test-\(UUID().uuidString)"
    var body = ByteBuffer()

    /// Adds a text field.
    mutating func field(_ name: String, _ value: String) {
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
    }

    /// Adds a file part; `rawFileName` is written as is inside the quotes.
    mutating func file(_ name: String, rawFileName: String, contentType: String, bytes: Data) {
        body.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(rawFileName)\"\r\nContent-Type: \(contentType)\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n")
    }

    /// The finished body.
    func finished() -> ByteBuffer {
        var complete = body
        complete.writeString("--\(boundary)--\r\n")
        return complete
    }

    /// The request headers for this form.
    func headers(language: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)"]
        if let language { fields[.acceptLanguage] = language }
        return fields
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// `error.code` of a JSON error body.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

/// The labels of the predictions in a result page, in order.
func predictionLabels(inPage html: String) -> [String] {
    let marker = "data-field=\"label\">"
    var labels: [String] = []
    var rest = Substring(html)
    while let start = rest.range(of: marker) {
        rest = rest[start.upperBound...]
        guard let end = rest.firstIndex(of: "<") else { break }
        let label = String(rest[..<end])
        if !label.isEmpty { labels.append(label) }
        rest = rest[end...]
    }
    return labels
}

/// Top-1 answers a good ImageNet model gives for cat.jpg (see samples/README.md).
let catLabels: Set<String> = ["tabby", "tiger cat", "Egyptian cat"]
