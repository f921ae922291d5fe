import Foundation
import NIOCore
import Testing

@testable import HublotFront

@Suite struct UploadFormTests {
    @Test func readsTheImageAndTheModels() throws {
        var form = MultipartForm()
        form.field("model", "efficientnet_lite0")
        form.field("model", "mobilenet_v2")
        form.file("image", rawFileName: "a;b=c.jpg", contentType: "image/jpeg", bytes: Data([0xFF, 0xD8, 0xFF]))
        let upload = try UploadForm(body: form.finished(), contentType: "multipart/form-data; boundary=\(form.boundary)")
        #expect(upload.models == ["efficientnet_lite0", "mobilenet_v2"])
        #expect(upload.image?.fileName == "a;b=c.jpg")
        #expect(upload.image?.contentType == "image/jpeg")
        #expect(upload.image?.bytes.readableBytes == 3)
    }

    @Test func anEmptyFileFieldIsNoImage() throws {
        var form = MultipartForm()
        form.file("image", rawFileName: "", contentType: "application/octet-stream", bytes: Data())
        let upload = try UploadForm(body: form.finished(), contentType: "multipart/form-data; boundary=\(form.boundary)")
        #expect(upload.image == nil)
    }

    @Test func aBodyThatIsNotMultipartIsABadRequest() {
        #expect(throws: GatewayError.self) {
            try UploadForm(body: ByteBuffer(string: "x"), contentType: "application/json")
        }
    }

    @Test func dispositionParametersHonourQuotes() {
        let parameters = UploadForm.dispositionParameters(#"form-data; name="image"; filename="x\"<script>;y.jpg""#)
        #expect(parameters["name"] == "image")
        #expect(parameters["filename"] == #"x"<script>;y.jpg"#)
    }

    @Test func limitedBodyPassesSmallBodiesAndStopsLargeOnes() async throws {
        let chunks = [ByteBuffer(repeating: 1, count: 600), ByteBuffer(repeating: 2, count: 600)]
        var total = 0
        for try await chunk in LimitedBody(AsyncStream { continuation in
            chunks.forEach { continuation.yield($0) }
            continuation.finish()
        }, limit: 2000) {
            total += chunk.readableBytes
        }
        #expect(total == 1200)
        await #expect(throws: UploadLimitExceeded.self) {
            for try await _ in LimitedBody(AsyncStream { continuation in
                chunks.forEach { continuation.yield($0) }
                continuation.finish()
            }, limit: 1000) {}
        }
    }
}
