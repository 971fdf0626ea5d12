import Foundation
import GANData
import GANTensor

/// The layout of `config.json`.
private struct RunFile<Model: Encodable>: Encodable {
    let run: RunSettings
    let model: Model
}

/// A run folder:
///
/// ```text
/// config.json                    { "run": RunSettings, "model": the family's config }
/// checkpoints/step-00001000.safetensors, checkpoints/latest
/// samples/step-001000.png        from fixed latents
/// metrics.jsonl                  one JSON object per logged step
/// tensorboard/events.out.tfevents.*   the same scalars, the sample grids and the config, for TensorBoard
/// ```
public struct RunFolder {
    public let url: URL
    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var checkpointsURL: URL { url.appendingPathComponent("checkpoints", isDirectory: true) }
    public var samplesURL: URL { url.appendingPathComponent("samples", isDirectory: true) }
    public var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }
    public var tensorboardURL: URL { url.appendingPathComponent("tensorboard", isDirectory: true) }

    public init(path: String) {
        url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    /// Whether the folder already holds a run (a `config.json`).
    public var exists: Bool { FileManager.default.fileExists(atPath: configURL.path) }

    /// Creates the folder and its sub-folders.
    public func create() throws {
        do {
            for folder in [url, checkpointsURL, samplesURL] {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw ModelError.run("\(url.path): cannot create the run folder: \(error.localizedDescription)")
        }
    }

    /// Writes `config.json` (atomically).
    public func writeConfig(run: RunSettings, model: any ModelConfiguration) throws {
        let data = try RunFolder.encode(run: run, model: model)
        do {
            try data.write(to: configURL, options: .atomic)
        } catch {
            throw ModelError.run("\(configURL.path): cannot write: \(error.localizedDescription)")
        }
    }

    static func encode<M: ModelConfiguration>(run: RunSettings, model: M) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(RunFile(run: run, model: model))
    }

    /// Reads `config.json`: the run settings, the family and its model config.
    public func readConfig() throws -> (run: RunSettings, family: any Family.Type, model: any ModelConfiguration) {
        let path = configURL.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.run("\(url.path): not a run folder (no config.json); expected a folder made by `gan train`")
        }
        struct Header: Decodable { let run: RunSettings }
        let run: RunSettings
        do {
            run = try JSONDecoder().decode(Header.self, from: data).run
        } catch {
            throw ModelError.run("\(path): not a valid run config: \(describeDecodingError(error))")
        }
        let family = try Families.named(run.family)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = object["model"] as? [String: Any],
              let modelData = try? JSONSerialization.data(withJSONObject: model) else {
            throw ModelError.run("\(path): no 'model' object; expected the family's config under \"model\"")
        }
        return (run, family, try family.decodeConfiguration(from: modelData))
    }

    /// The path of the sample grid for `step`.
    public func samplePath(step: Int) -> String {
        samplesURL.appendingPathComponent(String(format: "step-%06d.png", step)).path
    }

    /// The path of a sample picture the model named (`samples/NAME.png`).
    public func samplePath(name: String) -> String {
        samplesURL.appendingPathComponent(name + ".png").path
    }

    /// The sample grids, oldest first.
    public func sampleFiles() -> [(step: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: samplesURL.path)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".png"),
                  let step = Int(name.dropFirst(5).dropLast(4)) else { return nil }
            return (step, samplesURL.appendingPathComponent(name).path)
        }.sorted { $0.0 < $1.0 }
    }

    // MARK: Metrics

    /// Appends one JSON object as a line of `metrics.jsonl`.
    public func appendMetrics(_ values: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: values, options: [.sortedKeys]) else { return }
        if !FileManager.default.fileExists(atPath: metricsURL.path) {
            FileManager.default.createFile(atPath: metricsURL.path, contents: nil)
        }
        guard let handle = try? FileHandle(forWritingTo: metricsURL) else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: data + Data("\n".utf8))
    }

    /// The logged metrics, in order (unreadable lines skipped).
    public func readMetrics() -> [[String: Any]] {
        guard let text = try? String(contentsOf: metricsURL, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// Empties `metrics.jsonl`: a run (re)starting from step 0 keeps nothing of an earlier
    /// attempt, so its charts never run backwards.
    public func clearMetrics() {
        guard FileManager.default.fileExists(atPath: metricsURL.path) else { return }
        try? Data().write(to: metricsURL, options: .atomic)
    }

    /// Drops metric lines logged after `step` (a run resumed from an earlier checkpoint logs
    /// those steps again).
    public func truncateMetrics(after step: Int) {
        let kept = readMetrics().filter { (($0["step"] as? NSNumber)?.intValue ?? 0) <= step }
        let lines = kept.compactMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
        var data = Data()
        for line in lines { data.append(line); data.append(contentsOf: Array("\n".utf8)) }
        try? data.write(to: metricsURL, options: .atomic)
    }
}
