import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Prometheus
import Testing

@testable import HublotFront

/// The classifier is not running: the front stays up and says so.
@Suite struct ClassifierDownTests {
    @Test func pagesSayTheServiceIsUnavailableIn503() async throws {
        let app = try await makeFront(classifierURL: "http://127.0.0.1:\(try refusingLocalPort())")
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "fr"]) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.text.contains("Le service de classification est indisponible"))
            }
            try await client.execute(uri: "/compare?lang=en", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.text.contains("The classification service is unavailable"))
            }
            var form = MultipartForm()
            form.field("model", "efficientnet_lite0")
            form.file("image", rawFileName: "cat.jpg", contentType: "image/jpeg", bytes: Data([0xFF, 0xD8]))
            try await client.execute(uri: "/classify", method: .post, headers: form.headers(language: "en"), body: form.finished()) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.text.contains("The classification service is unavailable"))
            }
        }
    }

    @Test func apiAnswers503JSON() async throws {
        let app = try await makeFront(classifierURL: "http://127.0.0.1:\(try refusingLocalPort())")
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/models", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                #expect(response.errorCode == "classifier_unavailable")
                #expect(response.headers[.retryAfter] != nil)
            }
            try await client.execute(
                uri: "/api/classify?model=efficientnet_lite0", method: .post, headers: [.contentType: "image/jpeg"],
                body: ByteBuffer(bytes: [0xFF, 0xD8, 0xFF])
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.errorCode == "classifier_unavailable")
            }
        }
    }

    @Test func livenessStaysUpAndReadinessIs503() async throws {
        let app = try await makeFront(classifierURL: "http://127.0.0.1:\(try refusingLocalPort())")
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test func securityHeadersAreOnEveryAnswer() async throws {
        let app = try await makeFront(classifierURL: "http://127.0.0.1:\(try refusingLocalPort())")
        try await app.test(.router) { client in
            for uri in ["/", "/healthz", "/api/models", "/static/app.css", "/no-such-page"] {
                try await client.execute(uri: uri, method: .get) { response in
                    let policy = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(policy.contains("default-src 'none'"), "\(uri)")
                    #expect(policy.contains("script-src 'self'"), "\(uri)")
                    #expect(policy.contains("frame-ancestors 'none'"), "\(uri)")
                    #expect(!policy.contains("unsafe-inline"), "\(uri)")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                    #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(uri)")
                    #expect(response.headers[HTTPField.Name("X-Request-Id")!] != nil, "\(uri)")
                }
            }
        }
    }

    @Test func unknownPagesAreTranslated404PagesAndUnknownAPIsJSON() async throws {
        let app = try await makeFront(classifierURL: "http://127.0.0.1:\(try refusingLocalPort())")
        try await app.test(.router) { client in
            try await client.execute(uri: "/nowhere?lang=en", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.text.contains("Page not found"))
                #expect(response.headers[.setCookie]?.contains("hublot_lang=en") == true)
            }
            try await client.execute(uri: "/api/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "not_found")
            }
        }
    }

    @Test func metricsAreExposedForPrometheus() async throws {
        let app = try await makeFront(classifierURL: "http://127.0.0.1:\(try refusingLocalPort())")
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(response.text.contains("http_server_request_duration_seconds"))
                #expect(response.text.contains("hublot_front_upload_bytes_reserved"))
            }
        }
    }

    @Test func eachFrontReportsIntoItsOwnRegistry() async throws {
        let used = PrometheusCollectorRegistry()
        let idle = PrometheusCollectorRegistry()
        let port = try refusingLocalPort()
        let first = try await makeFront(classifierURL: "http://127.0.0.1:\(port)", registry: used)
        let second = try await makeFront(classifierURL: "http://127.0.0.1:\(port)", registry: idle)
        try await first.test(.router) { client in
            try await second.test(.router) { _ in
                try await client.execute(uri: "/healthz", method: .get) { _ in }
            }
        }
        #expect(used.emitToString().contains("http_route=\"/healthz\""))
        #expect(!idle.emitToString().contains("http_server_requests_total"))
    }

    @Test func staticFilesAreServedByTheFront() async throws {
        let app = try await makeFront(classifierURL: "http://127.0.0.1:\(try refusingLocalPort())")
        try await app.test(.router) { client in
            try await client.execute(uri: "/static/app.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("/api/classify"))
            }
            try await client.execute(uri: "/static/app.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/css") == true)
            }
        }
    }
}
