import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import HublotFront

/// The front against a REAL hublot-classifier (subprocess on 127.0.0.1) serving efficientnet_lite0 twice
/// (as `efficientnet_lite0` and `efficientnet_lite0_twin`). One classifier serves every check, then is stopped
/// to check what the front says when it is gone.
@Suite(.serialized, .timeLimit(.minutes(10))) struct LiveClassifierTests {
    @Test func theSiteAndTheGatewayAgainstARealClassifier() async throws {
        let repository = try Fixtures.twinRepository()
        defer { try? FileManager.default.removeItem(at: repository) }
        let cat = try Fixtures.photo("cat.jpg")
        let classifier = try await ClassifierProcess.start(models: repository)
        defer { classifier.stop() }

        let app = try await makeFront(classifierURL: classifier.url)
        try await app.test(.router) { client in
            try await checkHomeInBothLanguages(client)
            try await checkModelList(client)
            try await checkFormPost(client, cat: cat)
            try await checkAPI(client, cat: cat)
            try await checkCompare(client, cat: cat)
            try await checkNonImage(client)
            try await checkEscapedFileName(client, cat: cat)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }

            classifier.stop()
            try await checkClassifierStopped(client, cat: cat)
        }
    }

    private func checkHomeInBothLanguages(_ client: some TestClientProtocol) async throws {
        try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "fr-FR,fr;q=0.9"]) { response in
            #expect(response.status == .ok)
            #expect(response.text.contains("<html lang=\"fr\">"))
            #expect(response.text.contains("Que voit le modèle ?"))
            #expect(response.text.contains(#"<option value="efficientnet_lite0" selected>"#))
            #expect(response.text.contains("224×224"))
            #expect(response.text.contains(#"<optgroup label="efficientnet">"#))
        }
        try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "en-US,en;q=0.9"]) { response in
            #expect(response.status == .ok)
            #expect(response.text.contains("<html lang=\"en\">"))
            #expect(response.text.contains("What does the model see?"))
        }
        // An explicit choice wins over Accept-Language and is remembered in a cookie.
        try await client.execute(uri: "/?lang=en", method: .get, headers: [.acceptLanguage: "fr"]) { response in
            #expect(response.text.contains("What does the model see?"))
            #expect(response.headers[.setCookie]?.contains("hublot_lang=en") == true)
        }
        try await client.execute(uri: "/compare", method: .get, headers: [.cookie: "hublot_lang=en", .acceptLanguage: "fr"]) { response in
            #expect(response.text.contains("Compare models"))
        }
    }

    private func checkModelList(_ client: some TestClientProtocol) async throws {
        try await client.execute(uri: "/api/models", method: .get) { response in
            #expect(response.status == .ok)
            let models = response.json["models"] as? [[String: Any]] ?? []
            let names = models.compactMap { $0["name"] as? String }
            #expect(names.contains("efficientnet_lite0"))
            #expect(response.json["default"] as? String == "efficientnet_lite0")
        }
    }

    private func checkFormPost(_ client: some TestClientProtocol, cat: Data) async throws {
        var form = MultipartForm()
        form.field("model", "efficientnet_lite0")
        form.file("image", rawFileName: "cat.jpg", contentType: "image/jpeg", bytes: cat)
        try await client.execute(uri: "/classify", method: .post, headers: form.headers(language: "fr"), body: form.finished()) { response in
            #expect(response.status == .ok)
            let labels = predictionLabels(inPage: response.text)
            #expect(labels.count == 5)
            #expect(labels.first.map(catLabels.contains) == true, "top-1 was \(labels.first ?? "none")")
            #expect(response.text.contains("Inférence"))
            #expect(response.text.contains("data:image/jpeg;base64,"))
        }
    }

    private func checkAPI(_ client: some TestClientProtocol, cat: Data) async throws {
        try await client.execute(
            uri: "/api/classify?model=efficientnet_lite0&top_k=5", method: .post, headers: [.contentType: "image/jpeg"],
            body: ByteBuffer(bytes: cat)
        ) { response in
            #expect(response.status == .ok)
            let predictions = response.json["predictions"] as? [[String: Any]] ?? []
            #expect(predictions.count == 5)
            let top = predictions.first?["label"] as? String ?? ""
            #expect(catLabels.contains(top), "top-1 was \(top)")
            #expect((response.json["timings"] as? [String: Any])?["inference_ms"] != nil)
        }
        // Multipart through the API, with the classifier's default model.
        var form = MultipartForm()
        form.file("image", rawFileName: "cat.jpg", contentType: "image/jpeg", bytes: cat)
        try await client.execute(uri: "/api/classify?top_k=3", method: .post, headers: form.headers(), body: form.finished()) { response in
            #expect(response.status == .ok)
            let predictions = response.json["predictions"] as? [[String: Any]] ?? []
            #expect(predictions.count == 3)
            #expect(catLabels.contains(predictions.first?["label"] as? String ?? ""))
        }
        try await client.execute(
            uri: "/api/classify?model=no_such_model", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat)
        ) { response in
            #expect(response.status == .notFound)
            #expect(response.errorCode == "unknown_model")
        }
    }

    private func checkCompare(_ client: some TestClientProtocol, cat: Data) async throws {
        try await client.execute(uri: "/compare", method: .get, headers: [.acceptLanguage: "en"]) { response in
            #expect(response.status == .ok)
            #expect(response.text.contains(#"value="efficientnet_lite0" checked"#))
            #expect(response.text.contains(#"value="efficientnet_lite0_twin" checked"#))
        }
        var form = MultipartForm()
        form.field("model", "efficientnet_lite0")
        form.field("model", "efficientnet_lite0_twin")
        form.file("image", rawFileName: "cat.jpg", contentType: "image/jpeg", bytes: cat)
        try await client.execute(uri: "/compare", method: .post, headers: form.headers(language: "en"), body: form.finished()) { response in
            #expect(response.status == .ok)
            // The result cards come before the script's empty card template.
            let page = response.text.components(separatedBy: #"<template id="tpl-result">"#)[0]
            #expect(page.components(separatedBy: "data-result>").count - 1 == 2)
            #expect(page.contains(#"data-field="model">efficientnet_lite0<"#))
            #expect(page.contains(#"data-field="model">efficientnet_lite0_twin<"#))
            let labels = predictionLabels(inPage: page)
            #expect(labels.count == 10)
            #expect(labels.first.map(catLabels.contains) == true)
            #expect(labels.count == 10 && labels[5] == labels[0])
        }
        var empty = MultipartForm()
        empty.file("image", rawFileName: "cat.jpg", contentType: "image/jpeg", bytes: cat)
        try await client.execute(uri: "/compare", method: .post, headers: empty.headers(language: "en"), body: empty.finished()) { response in
            #expect(response.status == .badRequest)
            #expect(response.text.contains("Choose at least one model."))
        }
    }

    private func checkNonImage(_ client: some TestClientProtocol) async throws {
        var form = MultipartForm()
        form.field("model", "efficientnet_lite0")
        form.file("image", rawFileName: "notes.txt", contentType: "text/plain", bytes: Data("not an image".utf8))
        try await client.execute(uri: "/classify", method: .post, headers: form.headers(language: "en"), body: form.finished()) { response in
            #expect(response.status == .unsupportedMediaType)
            #expect(response.text.contains("This file is not a supported image. Choose a JPEG or PNG photo."))
        }
        var fake = MultipartForm()
        fake.field("model", "efficientnet_lite0")
        fake.file("image", rawFileName: "broken.jpg", contentType: "image/jpeg", bytes: Data("not a jpeg at all".utf8))
        try await client.execute(uri: "/classify", method: .post, headers: fake.headers(language: "fr"), body: fake.finished()) { response in
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("Ce fichier n’a pas pu être lu comme une image"))
        }
        try await client.execute(
            uri: "/api/classify?model=efficientnet_lite0", method: .post, headers: [.contentType: "image/jpeg"],
            body: ByteBuffer(string: "not a jpeg at all")
        ) { response in
            #expect(response.status == .unprocessableContent)
            #expect(response.errorCode == "invalid_image")
        }
        // Issue 14 #10: without a Content-Type the front answered 200 where the classifier answers 415.
        try await client.execute(uri: "/api/classify?model=efficientnet_lite0", method: .post, body: ByteBuffer(bytes: [0xFF, 0xD8])) {
            response in
            #expect(response.status == .unsupportedMediaType)
            #expect(response.errorCode == "unsupported_media_type")
        }
        var noFile = MultipartForm()
        noFile.field("model", "efficientnet_lite0")
        try await client.execute(uri: "/classify", method: .post, headers: noFile.headers(language: "en"), body: noFile.finished()) { response in
            #expect(response.status == .badRequest)
            #expect(response.text.contains("Choose an image first."))
        }
    }

    private func checkEscapedFileName(_ client: some TestClientProtocol, cat: Data) async throws {
        var form = MultipartForm()
        form.field("model", "efficientnet_lite0")
        form.file("image", rawFileName: "<script>alert(1)</script>.jpg", contentType: "image/jpeg", bytes: cat)
        try await client.execute(uri: "/classify", method: .post, headers: form.headers(language: "en"), body: form.finished()) { response in
            #expect(response.status == .ok)
            #expect(!response.text.contains("<script>alert(1)</script>"))
            #expect(response.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;.jpg"))
        }
    }

    private func checkClassifierStopped(_ client: some TestClientProtocol, cat: Data) async throws {
        try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "en"]) { response in
            #expect(response.status == .serviceUnavailable)
            #expect(response.text.contains("The classification service is unavailable"))
        }
        var form = MultipartForm()
        form.field("model", "efficientnet_lite0")
        form.file("image", rawFileName: "cat.jpg", contentType: "image/jpeg", bytes: cat)
        try await client.execute(uri: "/classify", method: .post, headers: form.headers(language: "fr"), body: form.finished()) { response in
            #expect(response.status == .serviceUnavailable)
            #expect(response.text.contains("Le service de classification est indisponible"))
        }
        try await client.execute(
            uri: "/api/classify?model=efficientnet_lite0", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: cat)
        ) { response in
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == "classifier_unavailable")
        }
        try await client.execute(uri: "/readyz", method: .get) { response in
            #expect(response.status == .serviceUnavailable)
        }
        try await client.execute(uri: "/healthz", method: .get) { response in
            #expect(response.status == .ok)
        }
    }
}
