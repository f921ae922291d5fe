import ArgumentParser
import HublotCore

/// The `hublot` command: classify images with a model of the repository, list the repository.
@main
struct Hublot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hublot",
        abstract: "Classify images with TensorFlow Hub models exported to ONNX.",
        discussion: ExitCodes.helpText,
        subcommands: [Classify.self, Models.self])
}
