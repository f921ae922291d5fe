import HublotAPI
import HublotCore

/// One model folder of the repository as a scan sees it, before anything is loaded.
public struct ModelCandidate: Sendable {
    /// The model's name (its folder).
    public var name: String
    /// The version the folder holds.
    public var version: ModelVersion
    /// What `model.json` says (only the name when it is unreadable).
    public var summary: Model
    /// Memory a load of it is charged against the budget (`--max-model-memory`), in bytes.
    public var estimatedBytes: Int
    /// Why it cannot be loaded (unreadable `model.json` or labels), if so.
    public var problem: String?

    /// Creates a candidate.
    public init(name: String, version: ModelVersion, summary: Model, estimatedBytes: Int = 0, problem: String? = nil) {
        self.name = name
        self.version = version
        self.summary = summary
        self.estimatedBytes = estimatedBytes
        self.problem = problem
    }
}

/// The life of every model the server knows, as a value (the AsyncHTTPClient style): each event — a
/// repository scan, a load or unload asked through the API, a load that finished, shutdown — is a
/// transition that returns the actions to perform (load a version, retire a served version), which the
/// owner performs after releasing its lock. `Serving` is what a loaded version serves with (the model
/// and its batch queue in the server; anything in the tests).
///
/// A model serves one version at a time. A new version is loaded beside the one serving and replaces
/// it only once loaded and warm; the replaced one is retired (its queue answers what it admitted,
/// then stops). A version that failed to load is not tried again until the folder changes, and a
/// failed replacement leaves the old version serving (its failure is reported as the last error).
struct ModelLifecycle<Serving: Sendable>: Sendable {
    /// Something to do outside the lock.
    enum Action {
        /// Load (and warm) this version, then report with ``loadFinished(_:version:outcome:)``.
        case load(ModelCandidate)
        /// Stop serving this version: let its admitted work finish, then release it.
        case retire(name: String, Serving)
        /// Tell the operator that a folder cannot be loaded (reported once per version).
        case report(name: String, reason: String)
    }

    /// What requests see of a model.
    enum Status {
        /// A version is loading and none serves yet.
        case loading
        /// A version serves.
        case ready(Serving)
        /// No version serves: the last load failed (or the folder is gone), for this reason.
        case failed(String)
        /// Not loaded: unloaded through the API, or never loaded under explicit control.
        case unavailable(String)
    }

    /// One model.
    struct Record {
        /// A version that serves.
        struct Loaded {
            var version: ModelVersion
            var value: Serving
            var charge: Int
        }
        /// A version being loaded.
        struct Pending {
            var version: ModelVersion
            var charge: Int
        }
        /// The last load that failed, and why.
        struct Failure {
            var version: ModelVersion?
            var reason: String
        }

        var summary: Model
        var serving: Loaded?
        var loading: Pending?
        var failure: Failure?
        /// Unloaded through the API (or not loaded under explicit control): scans do not load it again.
        var unloaded = false
        /// Scans in a row that did not find its folder.
        var missedScans = 0

        /// What requests see.
        var status: Status {
            if let serving { return .ready(serving.value) }
            if self.loading != nil { return .loading }
            if self.unloaded { return .unavailable(self.failure?.reason ?? "not loaded") }
            return .failed(self.failure?.reason ?? "not loaded")
        }
    }

    /// Why a load was not started.
    struct Refusal: Error, Equatable {
        /// User-facing reason.
        let reason: String
    }

    /// Scans in a row that must miss a model's folder before it is taken out of service.
    static var scansToRemove: Int { 2 }

    /// The model of `POST /v1/classify`: listed even when its folder is missing.
    let defaultModel: String
    /// The models asked for by name (`--model`); nil means every model of the repository.
    let wanted: Set<String>?
    /// The most memory loaded models may be charged, in bytes; nil is unlimited.
    let memoryBudget: Int?
    /// Model names in listing order (repository order, then names added later).
    private(set) var order: [String] = []
    private(set) var records: [String: Record] = [:]
    private(set) var shuttingDown = false

    /// A lifecycle knowing no model yet.
    init(defaultModel: String, wanted: [String]? = nil, memoryBudget: Int? = nil) {
        self.defaultModel = defaultModel
        self.wanted = wanted.map(Set.init)
        self.memoryBudget = memoryBudget
        for name in (wanted ?? []) + [defaultModel] where self.records[name] == nil {
            self.add(name, Record(summary: Model(name: name), failure: .init(version: nil, reason: Self.missing(name))))
        }
    }

    /// The record of `name`.
    func record(_ name: String) -> Record? { self.records[name] }

    /// Why a model whose folder is missing does not serve.
    private static func missing(_ name: String) -> String { "no model '\(name)' in the repository" }

    /// Whether `name` stays listed when its folder is missing (the default model, or one asked by name).
    private func isPinned(_ name: String) -> Bool {
        name == self.defaultModel || self.wanted?.contains(name) == true
    }

    private mutating func add(_ name: String, _ record: Record) {
        if self.records[name] == nil { self.order.append(name) }
        self.records[name] = record
    }

    /// Memory charged to what serves and what is loading.
    var charged: Int {
        self.records.values.reduce(0) { $0 + ($1.serving?.charge ?? 0) + ($1.loading?.charge ?? 0) }
    }

    // MARK: - Events

    /// A scan of the repository found `candidates`. With `apply` (poll control, and the first scan at
    /// start) new and changed versions of the wanted models are loaded and models whose folder two scans
    /// in a row missed are retired; without it (explicit control) unknown models are only listed, as not loaded.
    mutating func scanned(_ candidates: [ModelCandidate], apply: Bool) -> [Action] {
        var actions: [Action] = []
        let found = Dictionary(candidates.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // Models asked by name (`--model`) restrict what is loaded, not what is listed.
        for candidate in candidates.sorted(by: { $0.name < $1.name }) where !apply || self.wanted?.contains(candidate.name) ?? true {
            let name = candidate.name
            guard apply else {
                if self.records[name] == nil {
                    self.add(name, Record(summary: candidate.summary, unloaded: true))
                } else if self.records[name]?.serving == nil {
                    self.records[name]?.summary = candidate.summary
                }
                continue
            }
            if self.records[name] == nil { self.add(name, Record(summary: candidate.summary)) }
            self.records[name]?.missedScans = 0
            // Unloaded through the API: a scan does not bring it back.
            guard var record = self.records[name], !record.unloaded else { continue }
            if let problem = candidate.problem {
                if record.failure?.version != candidate.version {
                    record.failure = .init(version: candidate.version, reason: problem)
                    if record.serving == nil { record.summary = candidate.summary }
                    actions.append(.report(name: name, reason: problem))
                }
                self.records[name] = record
                continue
            }
            let known = [record.serving?.version, record.loading?.version, record.failure?.version].contains(candidate.version)
            guard !known else { continue }
            if let action = try? self.beginLoad(candidate).get() { actions.append(action) }
        }
        guard apply else { return actions }
        for name in self.order where found[name] == nil {
            guard var record = self.records[name] else { continue }
            if record.serving == nil, record.loading == nil, record.failure?.version == nil { continue }  // already gone
            // A replacement may be seen between its two renames (old folder out, new one not in yet):
            // a folder is gone only when two scans in a row miss it.
            record.missedScans += 1
            if record.missedScans < Self.scansToRemove {
                self.records[name] = record
                continue
            }
            if let serving = record.serving { actions.append(.retire(name: name, serving.value)) }
            record.serving = nil
            record.loading = nil
            record.failure = .init(version: nil, reason: Self.missing(name))
            if self.isPinned(name) {
                self.records[name] = record
            } else {
                self.records[name] = nil
                self.order.removeAll { $0 == name }
            }
        }
        return actions
    }

    /// Starts loading `candidate` (a scan found it, or the API asked): nil when that version already
    /// serves or is loading (the caller waits for it), a refusal when the memory budget has no room
    /// or the server is stopping.
    mutating func beginLoad(_ candidate: ModelCandidate) -> Result<Action?, Refusal> {
        let name = candidate.name
        var record = self.records[name] ?? Record(summary: candidate.summary)
        if self.records[name] == nil { self.add(name, record) }
        if record.loading?.version == candidate.version { return .success(nil) }
        if record.serving?.version == candidate.version {
            record.unloaded = false
            self.records[name] = record
            return .success(nil)
        }
        if self.shuttingDown { return .failure(Refusal(reason: "the server is shutting down")) }
        if let problem = candidate.problem {
            record.failure = .init(version: candidate.version, reason: problem)
            self.records[name] = record
            return .failure(Refusal(reason: problem))
        }
        // A version loading for this model is superseded: its charge is released now.
        let charged = self.charged - (record.loading?.charge ?? 0)
        if let budget = self.memoryBudget, charged + candidate.estimatedBytes > budget {
            let reason = self.budgetRefusal(candidate, charged: charged, budget: budget)
            record.failure = .init(version: candidate.version, reason: reason)
            self.records[name] = record
            return .failure(Refusal(reason: reason))
        }
        record.loading = .init(version: candidate.version, charge: candidate.estimatedBytes)
        record.unloaded = false
        if record.serving == nil { record.summary = candidate.summary }
        self.records[name] = record
        return .success(.load(candidate))
    }

    private func budgetRefusal(_ candidate: ModelCandidate, charged: Int, budget: Int) -> String {
        let loaded = self.order.compactMap { name -> String? in
            guard let record = self.records[name] else { return nil }
            let charge = (record.serving?.charge ?? 0) + (name == candidate.name ? 0 : record.loading?.charge ?? 0)
            return charge > 0 ? "\(name) \(Self.mebibytes(charge))" : nil
        }
        return "loading '\(candidate.name)' (\(Self.mebibytes(candidate.estimatedBytes))) would exceed the model memory budget of "
            + "\(Self.mebibytes(budget)) (--max-model-memory): \(Self.mebibytes(charged)) in use by "
            + (loaded.isEmpty ? "nothing" : loaded.joined(separator: ", "))
    }

    private static func mebibytes(_ bytes: Int) -> String { "\(bytes >> 20) MiB" }

    /// The load of `version` of `name` finished: on success it replaces the version serving (retired)
    /// unless it was superseded meanwhile (then it is retired itself); on failure the version serving,
    /// if any, keeps serving.
    mutating func loadFinished(_ name: String, version: ModelVersion, outcome: Result<(Serving, Model), Refusal>) -> [Action] {
        guard var record = self.records[name], record.loading?.version == version, !self.shuttingDown else {
            if case .success(let (value, _)) = outcome { return [.retire(name: name, value)] }
            return []
        }
        let charge = record.loading?.charge ?? 0
        record.loading = nil
        switch outcome {
        case .success(let (value, summary)):
            let old = record.serving
            record.serving = .init(version: version, value: value, charge: charge)
            record.summary = summary
            record.failure = nil
            self.records[name] = record
            return old.map { [.retire(name: name, $0.value)] } ?? []
        case .failure(let refusal):
            record.failure = .init(version: version, reason: refusal.reason)
            self.records[name] = record
            return []
        }
    }

    /// The API asked to unload `name`: what serves is retired, a load in progress is abandoned, and
    /// scans leave the model alone until it is loaded again. Nil when no model has that name.
    mutating func unload(_ name: String) -> [Action]? {
        guard var record = self.records[name] else { return nil }
        let actions: [Action] = record.serving.map { [.retire(name: name, $0.value)] } ?? []
        record.serving = nil
        record.loading = nil
        record.unloaded = true
        record.failure = .init(version: record.failure?.version, reason: "unloaded")
        self.records[name] = record
        return actions
    }

    /// The server stops: every version serving is retired; loads finishing later are retired at once.
    mutating func shutdown() -> [Action] {
        self.shuttingDown = true
        var actions: [Action] = []
        for name in self.order {
            guard var record = self.records[name] else { continue }
            if let serving = record.serving { actions.append(.retire(name: name, serving.value)) }
            record.serving = nil
            record.loading = nil
            record.failure = .init(version: nil, reason: "the server is shutting down")
            self.records[name] = record
        }
        return actions
    }
}
