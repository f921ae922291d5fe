import Foundation
import HTTPTypes
import HublotHTTP
import HummingbirdTesting
import NIOCore
import Testing

@testable import HublotFront

/// « Où regarde le modèle ? » (issue 19): `/api/explain` forwarded to the classifier, and the occlusion map of
/// the top five on each result card, against the fake classifier (strongest cell of the first map at the top
/// left, of the second at the bottom centre).
@Suite(.timeLimit(.minutes(2))) struct ExplanationTests {
    private static let jpeg = ByteBuffer(bytes: [0xFF, 0xD8, 0xFF])

    // MARK: gateway

    @Test func theGatewayForwardsTheQueryAndRelaysTheMaps() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/explain?model=slow&grid=5&class=3&class=1&top_k=3", method: .post,
                    headers: [.contentType: "image/jpeg"], body: Self.jpeg
                ) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                    let explanation = try JSONDecoder().decode(ClassifierAPI.Explanation.self, from: Data(response.body.readableBytesView))
                    #expect(explanation.grid == 5)
                    #expect(explanation.maps.map(\.index) == [3, 1])
                    #expect(explanation.maps[0].drops[0][0] == 0.4)
                }
            }
            #expect(classifier.explainQueries == ["/v1/models/slow/explain?grid=5&class=3,1&top_k=3"])
        }
    }

    @Test func withoutAModelTheClassifiersDefaultExplains() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/explain", method: .post, headers: [.contentType: "image/jpeg"], body: Self.jpeg) { response in
                    #expect(response.status == .ok)
                }
            }
            #expect(classifier.explainQueries == ["/v1/models/slow/explain?grid=7&top_k=5"])
        }
    }

    @Test(arguments: ["grid=1", "grid=15", "grid=seven", "grid=7&grid=8", "class=-1", "class=cat", "class=1,2,3,4,5,6", "top_k=0"])
    func aBadQueryIsRefusedBeforeForwarding(query: String) async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/explain?model=slow&\(query)", method: .post, headers: [.contentType: "image/jpeg"], body: Self.jpeg
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.errorCode == "bad_request")
                }
            }
            #expect(classifier.explainQueries.isEmpty)
        }
    }

    @Test func anOverloadedClassifierIsRelayedWithItsRetryAfter() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            classifier.explainOverloaded = true
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/explain?model=slow&class=1", method: .post, headers: [.contentType: "image/jpeg"], body: Self.jpeg
                ) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.errorCode == "overloaded")
                    #expect(response.headers[.retryAfter] == "7")
                }
            }
            #expect(classifier.explainQueries.count == 1)
        }
    }

    @Test func withoutAModelNorADefaultModelNothingIsForwarded() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            classifier.modelList = .init(default: nil, models: [])
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/explain", method: .post, headers: [.contentType: "image/jpeg"], body: Self.jpeg) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.errorCode == "no_model")
                }
            }
            #expect(classifier.explainQueries.isEmpty)
        }
    }

    @Test func anOversizedUploadIsRefusedWithoutForwarding() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            let app = try await makeFront(classifierURL: url, maxUploadBytes: 1024)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/explain?model=slow", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(repeating: 0xAB, count: 1025)
                ) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect(response.errorCode == "payload_too_large")
                }
            }
            #expect(classifier.explainQueries.isEmpty)
        }
    }

    @Test func anUnreachableClassifierIs503() async throws {
        let app = try await makeFront(classifierURL: "http://127.0.0.1:\(try refusingLocalPort())")
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/explain?model=slow", method: .post, headers: [.contentType: "image/jpeg"], body: Self.jpeg
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.errorCode == "classifier_unavailable")
            }
        }
    }

    // MARK: result page

    @Test(arguments: [
        ("fr", "Où regarde le modèle ?", "Zone la plus déterminante pour « late » : en haut à gauche.",
         "Zone la plus déterminante pour « tabby » : en bas au centre."),
        ("en", "Where does the model look?", "Strongest region for “late”: top left.", "Strongest region for “tabby”: bottom centre."),
    ])
    func theResultCardShowsTheMapOfEachOfTheTopFive(language: String, title: String, first: String, second: String) async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                let form = Self.form(models: ["slow"])
                try await client.execute(uri: "/classify", method: .post, headers: form.headers(language: language), body: form.finished()) { response in
                    #expect(response.status == .ok)
                    let card = Self.resultCards(response.text)
                    #expect(card.contains(title))
                    #expect(Self.count(#"class="map-overlay""#, in: card) == 5)
                    #expect(Self.count(#"type="radio" name="map-1""#, in: card) == 5)
                    #expect(Self.count(" checked ", in: card) == 1)
                    for label in FakeClassifierRecorder.topFive {
                        #expect(card.contains(#"<span data-field="map-label">\#(label)</span>"#), "\(label)")
                    }
                    #expect(card.contains(first))
                    #expect(card.contains(second))
                    // The largest drop is the darkest cell; the negative one (bottom right) stays clear.
                    let overlay = try #require(Self.firstOverlay(card))
                    #expect(overlay.contains(#"viewBox="0 0 7 7""#))
                    #expect(overlay.contains(#"<rect x="0" y="0" width="1" height="1" fill-opacity="0.70"/>"#))
                    #expect(overlay.contains(#"<rect x="1" y="0" width="1" height="1" fill-opacity="0.02"/>"#))
                    #expect(!overlay.contains(#"<rect x="6" y="6""#))
                    #expect(card.contains(#"<img class="map-photo" src="data:image/jpeg;base64,"#))
                    #expect(!card.contains("style="), "the Content-Security-Policy refuses inline styles")
                }
            }
            #expect(classifier.explainQueries == ["/v1/models/slow/explain?grid=7&class=1,2,3,4,5&top_k=5"])
        }
    }

    @Test func eachCardOfTheComparePageHasItsOwnMaps() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            classifier.modelList = .init(default: "slow", models: FakeClassifierRecorder.slowList.models + [
                .init(name: "fast", family: "test", input: .init(height: 224, width: 224), classes: 1000, status: "ready"),
            ])
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                let form = Self.form(models: ["slow", "fast"])
                try await client.execute(uri: "/compare", method: .post, headers: form.headers(language: "en"), body: form.finished()) { response in
                    #expect(response.status == .ok)
                    let cards = Self.resultCards(response.text)
                    #expect(Self.count(#"class="map-overlay""#, in: cards) == 10)
                    #expect(Self.count(#"name="map-1""#, in: cards) == 5)
                    #expect(Self.count(#"name="map-2""#, in: cards) == 5)
                    #expect(Self.count(#"id="map-2-5""#, in: cards) == 1)
                }
            }
            #expect(Set(classifier.explainQueries) == [
                "/v1/models/slow/explain?grid=7&class=1,2,3,4,5&top_k=5", "/v1/models/fast/explain?grid=7&class=1,2,3,4,5&top_k=5",
            ])
        }
    }

    @Test(arguments: [
        ("fr", "Carte non calculée : Le service est très sollicité en ce moment."),
        ("en", "No map: The service is very busy right now."),
    ])
    func aMissingMapLeavesTheClassificationAndSaysWhy(language: String, note: String) async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            classifier.explainOverloaded = true
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                let form = Self.form(models: ["slow"])
                try await client.execute(uri: "/classify", method: .post, headers: form.headers(language: language), body: form.finished()) { response in
                    #expect(response.status == .ok)
                    let card = Self.resultCards(response.text)
                    #expect(predictionLabels(inPage: card) == FakeClassifierRecorder.topFive)
                    #expect(card.contains(note))
                    #expect(!card.contains(#"class="map-overlay""#))
                    #expect(!card.contains("data-notice"), "a missing map is no error of the page")
                }
            }
            #expect(classifier.explainQueries.count == 1)
        }
    }

    @Test func anImageThePageCannotShowGetsANoteAndNoExplanation() async throws {
        try await withFakeClassifier(classifyDelay: .zero) { url, classifier in
            let app = try await makeFront(classifierURL: url)
            try await app.test(.router) { client in
                var form = MultipartForm()
                form.field("model", "slow")
                form.file("image", rawFileName: "cat.bmp", contentType: "image/bmp", bytes: Data([0x42, 0x4D]))
                try await client.execute(uri: "/classify", method: .post, headers: form.headers(language: "en"), body: form.finished()) { response in
                    #expect(response.status == .ok)
                    let card = Self.resultCards(response.text)
                    #expect(predictionLabels(inPage: card) == FakeClassifierRecorder.topFive)
                    #expect(card.contains("No map: this image cannot be shown on the page"))
                    #expect(!card.contains(#"class="map-overlay""#))
                }
            }
            #expect(classifier.classifyCalls == 1)
            #expect(classifier.explainQueries.isEmpty)
        }
    }

    // MARK: renderer

    @Test(arguments: [
        (0, 0, "region_top_left"), (0, 3, "region_top"), (1, 6, "region_top_right"), (2, 0, "region_left"),
        (3, 3, "region_centre"), (4, 5, "region_right"), (5, 1, "region_bottom_left"), (6, 4, "region_bottom"),
        (6, 6, "region_bottom_right"),
    ])
    func cellsAreNamedByTheirThirdOfThePhoto(row: Int, column: Int, key: String) {
        #expect(OcclusionMapView.regionKey(row: row, column: column, grid: 7) == key)
    }

    @Test func theStrongestCellIsTheLargestPositiveDrop() throws {
        #expect(OcclusionMapView.strongestCell([[0.1, -0.5], [0.3, 0.2]]).map { [$0.row, $0.column] } == [1, 0])
        #expect(OcclusionMapView.strongestCell([[-0.1, 0], [-0.3, -0.2]]) == nil)
        let strings = try Translations().strings(.english)
        let map = ClassifierAPI.OcclusionMap(index: 7, label: "cock", probability: 0.9, drops: [[-0.1, 0], [-0.3, -0.2]])
        #expect(OcclusionMapView(strings: strings).alternative(map, grid: 2) == "Hiding no region lowers the probability of “cock”.")
    }

    @Test func anExplanationWithoutMapsSaysSo() throws {
        let strings = try Translations().strings(.french)
        let empty = ClassifierAPI.Explanation(
            model: "slow", version: nil, predictions: [], grid: 7, maps: [], images: 50, timings: .init())
        let context = OcclusionMapView(strings: strings).context(group: "map-1", photo: "", outcome: .success(empty)) { $0.rawValue }
        #expect(context["note"] as? String == "Carte non calculée : le modèle n’a renvoyé aucune carte.")
        #expect((context["choices"] as? [Any])?.isEmpty == true)
    }

    // MARK: helpers

    private static func form(models: [String]) -> MultipartForm {
        var form = MultipartForm()
        for model in models { form.field("model", model) }
        form.file("image", rawFileName: "cat.jpg", contentType: "image/jpeg", bytes: Data([0xFF, 0xD8, 0xFF]))
        return form
    }

    /// The result cards of a page: what comes before the script's empty card template.
    private static func resultCards(_ page: String) -> String {
        page.components(separatedBy: #"<template id="tpl-result">"#)[0]
    }

    private static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    private static func firstOverlay(_ html: String) -> String? {
        guard let start = html.range(of: "<svg class=\"map-overlay\""), let end = html[start.upperBound...].range(of: "</svg>") else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }
}
