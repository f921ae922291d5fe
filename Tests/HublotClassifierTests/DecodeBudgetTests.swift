import HublotClassifier
import Testing

/// The process's decoding memory budget.
@Suite("DecodeBudget")
struct DecodeBudgetTests {
    @Test("reservations fit the budget, the one that does not is refused at once, released bytes are reusable")
    func reserveAndRelease() {
        let budget = DecodeBudget(bytes: 100)
        #expect(budget.tryReserve(60))
        #expect(!budget.tryReserve(41))
        #expect(budget.tryReserve(40))
        #expect(budget.reserved == 100)
        budget.release(60)
        #expect(budget.tryReserve(41))
        #expect(budget.reserved == 81)
    }

    @Test("the default budget holds several images at the per-image decode limit")
    func defaultHoldsSeveralImages() {
        let budget = DecodeBudget()
        let perImage = 128 << 20
        #expect(budget.tryReserve(perImage) && budget.tryReserve(perImage) && budget.tryReserve(perImage))
        #expect(!budget.tryReserve(perImage))
    }
}
