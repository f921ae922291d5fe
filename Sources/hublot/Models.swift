import ArgumentParser
import Foundation
import HublotCore

/// `hublot models`: lists the repository.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the models of a repository.")

    @OptionGroup var repositoryOptions: RepositoryOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let repository = repositoryOptions.repository
        let names: [String]
        do {
            names = try repository.modelNames()
        } catch {
            throw ExitCode(report(error))
        }
        var rows: [[String: String]] = []
        for name in names {
            do throws(HublotError) {
                let model = try repository.model(named: name)
                rows.append([
                    "name": name, "status": "ok", "input": "\(model.inputWidth)x\(model.inputHeight)",
                    "classes": "\(model.classCount)", "handle": model.metadata.handle ?? "",
                ])
            } catch {
                rows.append(["name": name, "status": "invalid", "reason": error.message])
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: ["repository": repository.url.path, "models": rows], options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else if rows.isEmpty {
            print("no models in \(repository.url.path)")
        } else {
            for row in rows {
                if row["status"] == "ok" {
                    print("\(row["name"]!)\t\(row["input"]!)\t\(row["classes"]!) classes\t\(row["handle"]!)")
                } else {
                    print("\(row["name"]!)\tINVALID: \(row["reason"]!)")
                }
            }
        }
    }
}
