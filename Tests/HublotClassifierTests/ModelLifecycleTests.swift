import HublotAPI
import HublotCore
import Testing

@testable import HublotClassifier

/// The models' lifecycle alone, without ONNX Runtime: each transition and the actions it returns.
@Suite("ModelLifecycle transitions")
struct ModelLifecycleTests {
    typealias Lifecycle = ModelLifecycle<String>

    static func candidate(_ name: String, _ version: Int, bytes: Int = 0, problem: String? = nil) -> ModelCandidate {
        ModelCandidate(
            name: name, version: ModelVersion(label: String(version), identity: "\(version)"), summary: Model(name: name),
            estimatedBytes: bytes, problem: problem)
    }

    /// The names of the `.load` actions, and the values of the `.retire` ones.
    static func describe(_ actions: [Lifecycle.Action]) -> (loads: [String], retired: [String]) {
        var loads: [String] = [], retired: [String] = []
        for action in actions {
            switch action {
            case .load(let candidate): loads.append("\(candidate.name)@\(candidate.version.label)")
            case .retire(_, let value): retired.append(value)
            case .report: break
            }
        }
        return (loads, retired)
    }

    static func status(_ lifecycle: Lifecycle, _ name: String) -> String {
        switch lifecycle.record(name)?.status {
        case .loading: "loading"
        case .ready(let value): "ready(\(value))"
        case .failed(let reason): "failed(\(reason))"
        case .unavailable(let reason): "unavailable(\(reason))"
        case nil: "absent"
        }
    }

    /// A lifecycle serving `a` version 1 as "a1".
    static func serving() -> Lifecycle {
        var lifecycle = Lifecycle(defaultModel: "a")
        _ = lifecycle.scanned([candidate("a", 1)], apply: true)
        _ = lifecycle.loadFinished("a", version: candidate("a", 1).version, outcome: .success(("a1", Model(name: "a"))))
        return lifecycle
    }

    @Test("a new folder is loaded, then ready; the default model is listed as missing until then")
    func newModel() {
        var lifecycle = Lifecycle(defaultModel: "a")
        #expect(Self.status(lifecycle, "a") == "failed(no model 'a' in the repository)")
        let actions = lifecycle.scanned([Self.candidate("a", 1), Self.candidate("b", 1)], apply: true)
        #expect(Self.describe(actions).loads == ["a@1", "b@1"])
        #expect(Self.status(lifecycle, "b") == "loading")
        #expect(lifecycle.loadFinished("b", version: Self.candidate("b", 1).version, outcome: .success(("b1", Model(name: "b")))).isEmpty)
        #expect(Self.status(lifecycle, "b") == "ready(b1)")
        // The same listing again changes nothing.
        #expect(lifecycle.scanned([Self.candidate("a", 1), Self.candidate("b", 1)], apply: true).isEmpty)
    }

    @Test("a folder missed by two scans in a row retires what served and forgets the model; the default model stays listed as missing")
    func removedModel() {
        var lifecycle = Self.serving()
        _ = lifecycle.scanned([Self.candidate("a", 1), Self.candidate("b", 1)], apply: true)
        _ = lifecycle.loadFinished("b", version: Self.candidate("b", 1).version, outcome: .success(("b1", Model(name: "b"))))
        // One scan that misses the folders (a replacement between its two renames) changes nothing.
        #expect(lifecycle.scanned([], apply: true).isEmpty)
        #expect(Self.status(lifecycle, "b") == "ready(b1)")
        #expect(lifecycle.scanned([Self.candidate("a", 1), Self.candidate("b", 1)], apply: true).isEmpty)
        #expect(lifecycle.scanned([], apply: true).isEmpty)
        let actions = lifecycle.scanned([], apply: true)
        #expect(Set(Self.describe(actions).retired) == ["a1", "b1"])
        #expect(Self.status(lifecycle, "b") == "absent")
        #expect(lifecycle.order == ["a"])
        #expect(Self.status(lifecycle, "a") == "failed(no model 'a' in the repository)")
        #expect(lifecycle.scanned([], apply: true).isEmpty)
    }

    @Test("a changed version loads beside the one serving, replaces it once loaded, and retires it")
    func replacedModel() {
        var lifecycle = Self.serving()
        #expect(Self.describe(lifecycle.scanned([Self.candidate("a", 2)], apply: true)).loads == ["a@2"])
        #expect(Self.status(lifecycle, "a") == "ready(a1)")  // the old version serves while the new one loads
        let actions = lifecycle.loadFinished("a", version: Self.candidate("a", 2).version, outcome: .success(("a2", Model(name: "a"))))
        #expect(Self.describe(actions).retired == ["a1"])
        #expect(Self.status(lifecycle, "a") == "ready(a2)")
        #expect(lifecycle.record("a")?.serving?.version.label == "2")
    }

    @Test("a failed replacement leaves the old version serving with the reason, and is not retried until the folder changes")
    func failedReplacement() {
        var lifecycle = Self.serving()
        _ = lifecycle.scanned([Self.candidate("a", 2)], apply: true)
        #expect(lifecycle.loadFinished("a", version: Self.candidate("a", 2).version, outcome: .failure(.init(reason: "corrupt"))).isEmpty)
        #expect(Self.status(lifecycle, "a") == "ready(a1)")
        #expect(lifecycle.record("a")?.failure?.reason == "corrupt")
        #expect(lifecycle.scanned([Self.candidate("a", 2)], apply: true).isEmpty)
        #expect(Self.describe(lifecycle.scanned([Self.candidate("a", 3)], apply: true)).loads == ["a@3"])
    }

    @Test("a first load that fails is reported failed; an unreadable folder is failed without a load")
    func failedLoad() {
        var lifecycle = Lifecycle(defaultModel: "a")
        _ = lifecycle.scanned([Self.candidate("a", 1), Self.candidate("bad", 1, problem: "bad model.json")], apply: true)
        #expect(Self.status(lifecycle, "bad") == "failed(bad model.json)")
        // Reported once: the same broken folder again reports nothing.
        let again = lifecycle.scanned([Self.candidate("a", 1), Self.candidate("bad", 1, problem: "bad model.json")], apply: true)
        #expect(again.isEmpty)
        _ = lifecycle.loadFinished("a", version: Self.candidate("a", 1).version, outcome: .failure(.init(reason: "corrupt ONNX")))
        #expect(Self.status(lifecycle, "a") == "failed(corrupt ONNX)")
    }

    @Test("a load superseded by a newer version, or by an unload, is retired when it finishes")
    func supersededLoad() {
        var lifecycle = Self.serving()
        _ = lifecycle.scanned([Self.candidate("a", 2)], apply: true)
        _ = lifecycle.scanned([Self.candidate("a", 3)], apply: true)
        let late = lifecycle.loadFinished("a", version: Self.candidate("a", 2).version, outcome: .success(("a2", Model(name: "a"))))
        #expect(Self.describe(late).retired == ["a2"])
        #expect(Self.status(lifecycle, "a") == "ready(a1)")
        #expect(lifecycle.unload("a").map { Self.describe($0).retired } == ["a1"])
        let abandoned = lifecycle.loadFinished("a", version: Self.candidate("a", 3).version, outcome: .success(("a3", Model(name: "a"))))
        #expect(Self.describe(abandoned).retired == ["a3"])
        #expect(Self.status(lifecycle, "a") == "unavailable(unloaded)")
    }

    @Test("explicit control: a scan lists new models as not loaded; load and unload through the API")
    func explicitControl() {
        var lifecycle = Lifecycle(defaultModel: "a")
        #expect(lifecycle.scanned([Self.candidate("a", 1), Self.candidate("b", 1)], apply: false).isEmpty)
        #expect(Self.status(lifecycle, "b") == "unavailable(not loaded)")
        guard case .success(.some(.load(let candidate))) = lifecycle.beginLoad(Self.candidate("b", 1)) else {
            Issue.record("the load was not started")
            return
        }
        #expect(candidate.name == "b")
        // Asked again while loading: the caller waits for the same load.
        guard case .success(nil) = lifecycle.beginLoad(Self.candidate("b", 1)) else {
            Issue.record("a second load of the same version was started")
            return
        }
        _ = lifecycle.loadFinished("b", version: Self.candidate("b", 1).version, outcome: .success(("b1", Model(name: "b"))))
        #expect(Self.describe(lifecycle.unload("b") ?? []).retired == ["b1"])
        #expect(Self.status(lifecycle, "b") == "unavailable(unloaded)")
        #expect(lifecycle.unload("nothing") == nil)
    }

    @Test("the memory budget refuses a load past it, naming the budget and what is loaded")
    func memoryBudget() {
        var lifecycle = Lifecycle(defaultModel: "a", memoryBudget: 100 << 20)
        _ = lifecycle.scanned([Self.candidate("a", 1, bytes: 60 << 20)], apply: true)
        _ = lifecycle.loadFinished("a", version: Self.candidate("a", 1).version, outcome: .success(("a1", Model(name: "a"))))
        guard case .failure(let refusal) = lifecycle.beginLoad(Self.candidate("b", 1, bytes: 50 << 20)) else {
            Issue.record("the load past the budget was started")
            return
        }
        #expect(refusal.reason.contains("100 MiB"))
        #expect(refusal.reason.contains("a 60 MiB"))
        #expect(Self.status(lifecycle, "b") == "failed(\(refusal.reason))")
        // Unloading a frees its charge: b now fits.
        _ = lifecycle.unload("a")
        guard case .success(.some) = lifecycle.beginLoad(Self.candidate("b", 1, bytes: 50 << 20)) else {
            Issue.record("the load within the budget was refused")
            return
        }
        #expect(lifecycle.charged == 50 << 20)
    }

    @Test("shutdown retires everything, refuses new loads and retires loads that finish later")
    func shutdown() {
        var lifecycle = Self.serving()
        _ = lifecycle.scanned([Self.candidate("a", 1), Self.candidate("b", 1)], apply: true)
        #expect(Self.describe(lifecycle.shutdown()).retired == ["a1"])
        let late = lifecycle.loadFinished("b", version: Self.candidate("b", 1).version, outcome: .success(("b1", Model(name: "b"))))
        #expect(Self.describe(late).retired == ["b1"])
        guard case .failure = lifecycle.beginLoad(Self.candidate("c", 1)) else {
            Issue.record("a load was started after shutdown")
            return
        }
    }
}
