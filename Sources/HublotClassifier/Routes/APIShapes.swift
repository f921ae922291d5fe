import HublotAPI
import Hummingbird

// The Hublot API's answers are HublotAPI's values (shared with the front); Hummingbird encodes them as JSON.
extension Classification: ResponseEncodable {}
extension Model: ResponseEncodable {}
extension ModelList: ResponseEncodable {}

extension ModelEntry {
    /// The API view of a registry entry: its summary with its status (and the reason of a failure).
    public var model: Model {
        var model = self.summary
        model.status = self.state.status
        if case .failed(let reason) = self.state { model.reason = reason } else { model.reason = nil }
        return model
    }
}
