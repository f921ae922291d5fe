import HublotAPI
import Hummingbird

// The Hublot API's answers are HublotAPI's values (shared with the front); Hummingbird encodes them as JSON.
extension Classification: ResponseEncodable {}
extension Model: ResponseEncodable {}
extension ModelList: ResponseEncodable {}
extension Explanation: ResponseEncodable {}

extension ModelEntry {
    /// The API view of a registry entry: its summary with its status, version and reason.
    public var model: Model {
        var model = self.summary
        model.status = self.state.status
        model.version = self.version
        model.reason = self.reason
        return model
    }
}
