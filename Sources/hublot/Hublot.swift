import ArgumentParser
import HublotCore
import HublotVersion

/// The `hublot` command: classify images with a model of the repository, list the repository.
@main
struct Hublot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hublot",
        abstract: "Classify images with TensorFlow Hub models exported to ONNX.",
        discussion: ExitCodes.helpText,
        version: HublotRelease.version,
        subcommands: [Classify.self, Models.self])
}
