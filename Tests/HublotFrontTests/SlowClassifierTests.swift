import Foundation
import HTTPTypes
import HublotHTTP
import HummingbirdTesting
import NIOCore
import Testing

@testable import HublotFront

/// A classifier slower than the front's timeout, and uploads over the limit, against a fake classifier.
@Suite(.timeLimit(.minutes(2))) struct SlowClassifierTests {
    @Test func apiAnswersATimeoutInsteadOfHanging() async throws {
        try await withFakeClassifier(classifyDelay: .seconds(4)) { url, recorder in
            let app = try await makeFront(classifierURL: url, requestTimeout: .milliseconds(600))
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/classify?model=slow", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: [0xFF, 0xD8, 0xFF])
                ) { response in
                    #expect(response.status == .gatewayTimeout)
                    #expect(response.errorCode == "classifier_timeout")
                }
            }
            #expect(recorder.classifyCalls == 1)
        }
    }

    @Test func pageShowsATimeoutMessage() async throws {
        try await withFakeClassifier(classifyDelay: .seconds(4)) { url, _ in
            let app = try await makeFront(classifierURL: url, requestTimeout: .milliseconds(600))
            try await app.test(.router) { client in
                var form = MultipartForm()
                form.field("model", "slow")
                form.file("image", rawFileName: "cat.jpg", contentType: "image/jpeg", bytes: Data([0xFF, 0xD8, 0xFF]))
                try await client.execute(uri: "/classify", method: .post, headers: form.headers(language: "fr"), body: form.finished()) { response in
                    #expect(response.status == .gatewayTimeout)
                    #expect(response.text.contains("n’a pas répondu à temps"))
                }
            }
        }
    }

    @Test func requestIDIsPropagatedToTheClassifier() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, recorder in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/classify?model=slow", method: .post,
                    headers: [.contentType: "image/jpeg", HTTPField.Name("X-Request-Id")!: "test-id-42"],
                    body: ByteBuffer(bytes: [0xFF, 0xD8, 0xFF])
                ) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "test-id-42")
                }
            }
            #expect(recorder.requestIDs == ["test-id-42"])
        }
    }

    @Test func oversizedUploadIsRefusedWithoutForwarding() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, recorder in
            let limit = UploadLimits.defaultMaxBytes
            let app = try await makeFront(classifierURL: url)
            let oversized = ByteBuffer(repeating: 0xAB, count: limit + 1)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/classify?model=slow", method: .post,
                    headers: [.contentType: "image/jpeg", .contentLength: String(limit + 1)], body: oversized
                ) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect(response.errorCode == "payload_too_large")
                }
            }
            // The form post is read whole (the limit plus room for the form) and parsed before its file is found
            // too large: a 1 MiB limit keeps the debug and sanitizer builds' byte-by-byte parsing short.
            let mebibyte = 1024 * 1024
            let small = try await makeFront(classifierURL: url, maxUploadBytes: mebibyte)
            try await small.test(.router) { client in
                var form = MultipartForm()
                form.field("model", "slow")
                form.file("image", rawFileName: "big.jpg", contentType: "image/jpeg", bytes: Data(repeating: 0xAB, count: mebibyte + 1))
                let body = form.finished()
                var headers = form.headers(language: "en")
                headers[.contentLength] = String(body.readableBytes)
                try await client.execute(uri: "/classify", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect(response.text.contains("This image is too large: the limit is 1 MiB."))
                }
            }
            #expect(recorder.classifyCalls == 0)
        }
    }

    @Test func oversizedUploadOfUnknownLengthIsCutOff() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, _ in
            let app = try await makeFront(classifierURL: url, maxUploadBytes: 1024)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/classify?model=slow", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(repeating: 0xAB, count: 64 * 1024)
                ) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect(response.errorCode == "payload_too_large")
                }
            }
        }
    }

    @Test func badTopKIsRefused() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, recorder in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/classify?model=slow&top_k=abc", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: [0xFF])
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.errorCode == "bad_request")
                }
            }
            #expect(recorder.classifyCalls == 0)
        }
    }

    @Test func aRepeatedTopKIsRefusedAsTheClassifierDoes() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, recorder in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/classify?model=slow&top_k=3&top_k=4", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: [0xFF])
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.errorCode == "bad_request")
                }
            }
            #expect(recorder.classifyCalls == 0)
        }
    }

    @Test func anUploadWithoutContentTypeIsForwardedWithoutOne() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, recorder in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/classify?model=slow", method: .post, body: ByteBuffer(bytes: [0xFF])) { _ in }
            }
            #expect(recorder.contentTypes == [nil])
        }
    }

    @Test func aComparisonOfTooManyModelsIsRefusedWithoutForwarding() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, recorder in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                var form = MultipartForm()
                for index in 0...UploadForm.maxModels { form.field("model", "model\(index)") }
                form.file("image", rawFileName: "cat.jpg", contentType: "image/jpeg", bytes: Data([0xFF, 0xD8, 0xFF]))
                try await client.execute(uri: "/compare", method: .post, headers: form.headers(language: "en"), body: form.finished()) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.text.contains("one comparison uses at most \(UploadForm.maxModels)"))
                }
            }
            #expect(recorder.classifyCalls == 0)
        }
    }
}
