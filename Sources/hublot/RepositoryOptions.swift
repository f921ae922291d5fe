import ArgumentParser
import Foundation
import HublotCore

/// `--models DIR`, shared by the subcommands.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customLong("models"), help: "The model repository folder (default: $HUBLOT_MODELS, else ./.cache/models).")
    var path: String?

    /// The repository the user chose.
    var repository: ModelRepository {
        let chosen = path ?? ProcessInfo.processInfo.environment["HUBLOT_MODELS"] ?? ".cache/models"
        return ModelRepository(url: URL(fileURLWithPath: chosen))
    }
}
