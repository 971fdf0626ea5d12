import Foundation
import Testing

/// The built `gan` binary, run as a user would: `.build/release/gan` of this checkout, found
/// from this file's path. Missing, the CLI tests are skipped, unless `CI=true`, where they fail.
struct GANCommand {
    /// What one invocation did.
    struct Result {
        var status: Int32
        var output: String
        var error: String
        /// Standard output and standard error together, for messages that may go to either.
        var text: String { output + error }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/release/gan")
    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }
    static var onCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    /// Whether the suites run: the binary is there, or CI says it must be.
    static var shouldRun: Bool { isBuilt || onCI }

    /// A fresh temporary folder for one test's run folders and outputs.
    static func temporaryFolder(_ name: String) throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("gan-cli-\(name)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts `gan arguments` in `folder`, output into files there (no pipe to fill up);
    /// `executable` runs another copy of the binary.
    static func start(_ arguments: [String], in folder: URL, environment: [String: String] = [:],
                      executable: URL? = nil) throws
        -> (process: Process, output: URL, error: URL) {
        guard isBuilt else {
            throw CLITestError("\(binary.path) is missing: build it with "
                + "`swift build -c release -Xswiftc -enable-testing --build-tests`")
        }
        let id = UInt32.random(in: 0...UInt32.max)
        let output = folder.appendingPathComponent("stdout-\(id).txt"), error = folder.appendingPathComponent("stderr-\(id).txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: error.path, contents: nil)
        let process = Process()
        process.executableURL = executable ?? binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(["GAN_NUM_THREADS": "1"].merging(environment) { $1 }) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: error)
        try process.run()
        return (process, output, error)
    }

    /// Runs `gan arguments` in `folder` to the end.
    @discardableResult
    static func run(_ arguments: [String], in folder: URL, environment: [String: String] = [:],
                    executable: URL? = nil) throws -> Result {
        let (process, output, error) = try start(arguments, in: folder, environment: environment, executable: executable)
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      output: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
                      error: (try? String(contentsOf: error, encoding: .utf8)) ?? "")
    }

    /// The `run` object of a run folder's config.json.
    static func runSettings(_ folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("config.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["run"] as? [String: Any])
    }

    /// The `step` of each line of a run folder's metrics.jsonl.
    static func metricSteps(_ folder: URL) throws -> [Int] {
        let text = (try? String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["step"] as? Int
        }
    }
}

struct CLITestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
