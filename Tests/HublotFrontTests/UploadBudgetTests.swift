import HublotHTTP
import Prometheus
import Testing

@testable import HublotFront

@Suite struct UploadBudgetTests {
    @Test func anUploadThatDoesNotFitIsRefusedWith503AndRetryAfter() async throws {
        let budget = UploadBudget(capacity: 100, registry: PrometheusCollectorRegistry())
        try await budget.withReservation(of: 60) {
            #expect(budget.inUse == 60)
            let error = await #expect(throws: APIError.self) { try await budget.withReservation(of: 50) {} }
            #expect(error?.status == .serviceUnavailable)
            #expect(error?.code == .overloaded)
            #expect(error?.headers[.retryAfter] != nil)
            try await budget.withReservation(of: 40) { #expect(budget.inUse == 100) }
        }
        #expect(budget.inUse == 0)
    }

    @Test func aFailedUploadGivesItsShareBack() async {
        let budget = UploadBudget(capacity: 100, registry: PrometheusCollectorRegistry())
        await #expect(throws: APIError.self) {
            try await budget.withReservation(of: 100) { throw APIError.badRequest("broken form") }
        }
        #expect(budget.inUse == 0)
    }
}
