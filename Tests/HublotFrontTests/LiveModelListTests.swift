import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import HublotFront

/// The site's model list follows the classifier's repository as it changes (issue 15): a model that
/// appears, loads, fails or goes away shows on the next page, with neither the front nor the classifier
/// restarted. The fake classifier plays the repository.
@Suite(.timeLimit(.minutes(2))) struct LiveModelListTests {
    private static let lite0 = ClassifierAPI.Model(
        name: "efficientnet_lite0", family: "efficientnet", input: .init(height: 224, width: 224), classes: 1000, status: "ready")

    private static func lite1(status: String, reason: String? = nil) -> ClassifierAPI.Model {
        .init(name: "efficientnet_lite1", family: "efficientnet", input: .init(height: 240, width: 240), classes: 1000, status: status, reason: reason)
    }

    @Test func aModelAddedToTheClassifierAppearsWithoutARestart() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            classifier.modelList = .init(default: "efficientnet_lite0", models: [Self.lite0])
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/?lang=en", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.cacheControl] == "no-store", "no cache may keep an old list")
                    #expect(option("efficientnet_lite0", in: response.text) != nil)
                    #expect(option("efficientnet_lite1", in: response.text) == nil)
                }

                classifier.modelList.models.append(Self.lite1(status: "loading"))
                try await client.execute(uri: "/?lang=en", method: .get) { response in
                    let tag = try #require(option("efficientnet_lite1", in: response.text))
                    #expect(tag.contains(" disabled"))
                    #expect(tag.contains("loading"))
                }

                classifier.modelList.models[1] = Self.lite1(status: "ready")
                try await client.execute(uri: "/?lang=en", method: .get) { response in
                    let tag = try #require(option("efficientnet_lite1", in: response.text))
                    #expect(!tag.contains(" disabled"))
                    #expect(tag.contains("240×240 · ready"))
                    #expect(!response.text.contains("A model is loading"))
                }
                try await client.execute(uri: "/compare?lang=en", method: .get) { response in
                    let box = try #require(checkbox("efficientnet_lite1", in: response.text))
                    #expect(!box.contains(" disabled"))
                    #expect(box.contains(" checked"), "the compare page preselects the default and the next ready model")
                }
            }
        }
    }

    @Test func aRemovedModelLeavesTheList() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            classifier.modelList = .init(default: "efficientnet_lite0", models: [Self.lite0, Self.lite1(status: "ready")])
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/compare", method: .get) { response in
                    #expect(checkbox("efficientnet_lite1", in: response.text) != nil)
                }
                classifier.modelList.models.removeLast()
                try await client.execute(uri: "/compare", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(checkbox("efficientnet_lite1", in: response.text) == nil)
                    #expect(checkbox("efficientnet_lite0", in: response.text) != nil)
                }
            }
        }
    }

    @Test(arguments: [("fr", "en cours de chargement", "rechargez la page"), ("en", "loading", "reload the page")])
    func aLoadingModelIsListedButCannotBeChosen(language: String, status: String, hint: String) async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            // The default is still loading: the first ready model is the one selected.
            classifier.modelList = .init(default: "efficientnet_lite1", models: [Self.lite0, Self.lite1(status: "loading")])
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/?lang=\(language)", method: .get) { response in
                    #expect(response.status == .ok)
                    let loading = try #require(option("efficientnet_lite1", in: response.text))
                    #expect(loading.contains(" disabled"))
                    #expect(!loading.contains(" selected"))
                    #expect(loading.contains("240×240 · \(status)"))
                    let ready = try #require(option("efficientnet_lite0", in: response.text))
                    #expect(ready.contains(" selected"))
                    #expect(response.text.contains(hint))
                }
                try await client.execute(uri: "/compare?lang=\(language)", method: .get) { response in
                    let box = try #require(checkbox("efficientnet_lite1", in: response.text))
                    #expect(box.contains(" disabled"))
                    #expect(!box.contains(" checked"))
                    #expect(response.text.contains("status-loading\">\(status)</span>"))
                }
            }
        }
    }

    @Test(arguments: [("fr", "non chargé"), ("en", "not loaded")])
    func aModelUnloadedThroughTheAPIIsListedButCannotBeChosen(language: String, status: String) async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            classifier.modelList = .init(
                default: "efficientnet_lite0", models: [Self.lite0, Self.lite1(status: "unavailable", reason: "unloaded")])
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/?lang=\(language)", method: .get) { response in
                    #expect(response.status == .ok)
                    let tag = try #require(option("efficientnet_lite1", in: response.text))
                    #expect(tag.contains(" disabled"))
                    #expect(tag.contains("240×240 · \(status)"))
                }
            }
        }
    }

    @Test(arguments: [("fr", "indisponible"), ("en", "unavailable")])
    func aFailedModelIsListedDisabledWithItsReason(language: String, status: String) async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            let reason = "model.onnx: <protobuf> parsing failed"
            let escaped = "model.onnx: &lt;protobuf&gt; parsing failed"
            classifier.modelList = .init(default: "efficientnet_lite0", models: [Self.lite0, Self.lite1(status: "failed", reason: reason)])
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/?lang=\(language)", method: .get) { response in
                    #expect(response.status == .ok)
                    let tag = try #require(option("efficientnet_lite1", in: response.text))
                    #expect(tag.contains(" disabled"))
                    #expect(tag.contains("\(status) (\(escaped))"))
                    #expect(!response.text.contains(reason), "the reason comes from the classifier: it is escaped")
                    #expect(!response.text.contains("rechargez la page") && !response.text.contains("reload the page"))
                }
                try await client.execute(uri: "/compare?lang=\(language)", method: .get) { response in
                    let box = try #require(checkbox("efficientnet_lite1", in: response.text))
                    #expect(box.contains(" disabled"))
                    #expect(response.text.contains("status-failed\">\(status)</span> <span class=\"status-reason\">(\(escaped))</span>"))
                }
            }
        }
    }

    private static let int8 = ClassifierAPI.Model(
        name: "efficientnet_lite0_int8", family: "efficientnet", input: .init(height: 224, width: 224), classes: 1000, status: "ready",
        precision: "int8", sourceModel: "efficientnet_lite0", warning: "this CPU has no int8 dot-product instruction")

    @Test func anInt8VariantIsListedRightAfterItsModelAndComparedWithItByDefault() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            // The classifier lists models by name: the variant would come after lite1, away from lite0.
            classifier.modelList = .init(default: "efficientnet_lite0", models: [Self.lite0, Self.lite1(status: "ready"), Self.int8])
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/?lang=en", method: .get) { response in
                    let text = response.text
                    let tag = try #require(option("efficientnet_lite0_int8", in: text))
                    #expect(tag.contains("efficientnet_lite0_int8 · int8 (quantized) · 224×224"))
                    #expect(tag.contains("title=\"this CPU has no int8 dot-product instruction\""))
                    let positions = ["efficientnet_lite0", "efficientnet_lite0_int8", "efficientnet_lite1"].map {
                        text.range(of: "<option value=\"\($0)\"")!.lowerBound
                    }
                    #expect(positions == positions.sorted())
                }
                try await client.execute(uri: "/compare?lang=fr", method: .get) { response in
                    let fp32 = try #require(checkbox("efficientnet_lite0", in: response.text))
                    let variant = try #require(checkbox("efficientnet_lite0_int8", in: response.text))
                    let other = try #require(checkbox("efficientnet_lite1", in: response.text))
                    #expect(fp32.contains("checked") && variant.contains("checked") && !other.contains("checked"))
                    #expect(response.text.contains("<span class=\"badge\">int8 (quantifié)</span>"))
                }
            }
        }
    }

    @Test func aReasonIsShownOnlyForAFailedModel() throws {
        let view = PageContext(strings: try Translations().strings(.english), path: "/", configuration: FrontConfiguration())
        let list = ClassifierAPI.ModelList(
            default: nil, models: [Self.lite1(status: "ready", reason: "stale"), Self.lite1(status: "failed", reason: "")])
        let models = view.modelGroups(list, selected: []).flatMap { $0["models"] as? [[String: Any]] ?? [] }
        #expect(models.count == 2)
        #expect(models.allSatisfy { $0["reason"] == nil })
    }
}

/// The `<option …>…</option>` of `model` in a page's model select, or nil when it is not listed.
private func option(_ model: String, in html: String) -> String? {
    element(from: "<option value=\"\(model)\"", to: "</option>", in: html)
}

/// The `<input type="checkbox" …>` of `model` in a page's checklist, or nil when it is not listed.
private func checkbox(_ model: String, in html: String) -> String? {
    element(from: "<input type=\"checkbox\" name=\"model\" value=\"\(model)\"", to: ">", in: html)
}

private func element(from start: String, to end: String, in html: String) -> String? {
    guard let head = html.range(of: start), let tail = html.range(of: end, range: head.upperBound..<html.endIndex) else { return nil }
    return String(html[head.lowerBound..<tail.upperBound])
}
