/// Runs `body` (a closure passed through an untyped-rethrowing API such as
/// `withUnsafeBytes`) and rethrows its ``HublotError`` with its type restored.
func rethrowingHublotError<R>(_ body: () throws -> R) throws(HublotError) -> R {
    do {
        return try body()
    } catch let error as HublotError {
        throw error
    } catch {
        throw HublotError(.invalidArgument, "\(error)")
    }
}
