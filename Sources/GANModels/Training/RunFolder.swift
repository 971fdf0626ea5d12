import Foundation
import GANData
import GANTensor

/// How a run trains, besides the model: written into `config.json` as `run`.
public struct RunSettings: Codable, Equatable, Sendable {
    /// The family's name (`dcgan`).
    public var family: String
    /// The preset the model config started from.
    public var preset: String
    /// The data, as the CLI names it (domain A of a two-domain family).
    public var data: DataSpec
    /// Domain B of a two-domain family (`--data-b`).
    public var dataB: DataSpec?
    /// Seeds the weights (`seed`), the trainer's RNG (`seed + 1`), the batches (`seed + 2`) and
    /// the fixed sample latents (`seed + 3`).
    public var seed: UInt64
    public var batchSize: Int
    /// Steps to train for in total.
    public var steps: Int
    public var logEvery: Int
    public var sampleEvery: Int
    public var checkpointEvery: Int
    /// Step checkpoints kept (older ones are deleted; 0 keeps all).
    public var keepCheckpoints: Int
    /// How every optimiser's learning rate moves over the run.
    public var schedule: LearningRateSchedule

    public init(family: String, preset: String, data: DataSpec, dataB: DataSpec? = nil, seed: UInt64 = 0,
                batchSize: Int = 64, steps: Int = 1000, logEvery: Int = 50, sampleEvery: Int = 250,
                checkpointEvery: Int = 250, keepCheckpoints: Int = 3, schedule: LearningRateSchedule = .constant) {
        self.family = family
        self.preset = preset
        self.data = data
        self.dataB = dataB
        self.seed = seed
        self.batchSize = batchSize
        self.steps = steps
        self.logEvery = logEvery
        self.sampleEvery = sampleEvery
        self.checkpointEvery = checkpointEvery
        self.keepCheckpoints = keepCheckpoints
        self.schedule = schedule
    }

    /// The data specs, one per domain.
    public var dataSpecs: [DataSpec] { [data] + (dataB.map { [$0] } ?? []) }

    /// Checks the numbers.
    public func validate() throws {
        for (name, value) in [("--steps", steps), ("--batch-size", batchSize), ("--log-every", logEvery),
                              ("--sample-every", sampleEvery), ("--checkpoint-every", checkpointEvery)] where value <= 0 {
            throw ModelError.invalidOption("\(name) must be positive, got \(value)")
        }
        if case .linear(let start) = schedule, !(start >= 0 && start < 1) {
            throw ModelError.invalidOption("--lr-decay-start must be in [0, 1), got \(start)")
        }
        guard keepCheckpoints >= 0 else { throw ModelError.invalidOption("--keep-checkpoints must be 0 or more, got \(keepCheckpoints)") }
    }

    // The schedule is stored as `learningRateDecay` ("linear" or absent) and
    // `learningRateDecayStart`, as run folders have always had it.
    private enum CodingKeys: String, CodingKey {
        case family, preset, data, dataB, seed, batchSize, steps, logEvery, sampleEvery, checkpointEvery,
             keepCheckpoints, learningRateDecay, learningRateDecayStart
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        family = try c.decode(String.self, forKey: .family)
        preset = try c.decode(String.self, forKey: .preset)
        data = try c.decode(DataSpec.self, forKey: .data)
        dataB = try c.decodeIfPresent(DataSpec.self, forKey: .dataB)
        seed = try c.decode(UInt64.self, forKey: .seed)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        steps = try c.decode(Int.self, forKey: .steps)
        logEvery = try c.decode(Int.self, forKey: .logEvery)
        sampleEvery = try c.decode(Int.self, forKey: .sampleEvery)
        checkpointEvery = try c.decode(Int.self, forKey: .checkpointEvery)
        keepCheckpoints = try c.decode(Int.self, forKey: .keepCheckpoints)
        switch try c.decodeIfPresent(String.self, forKey: .learningRateDecay) {
        case nil, "none":
            schedule = .constant
        case "linear":
            schedule = .linear(start: try c.decodeIfPresent(Double.self, forKey: .learningRateDecayStart) ?? 0)
        case let other?:
            throw DecodingError.dataCorruptedError(forKey: .learningRateDecay, in: c,
                                                   debugDescription: "unknown learning-rate decay '\(other)' (expected linear or none)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(family, forKey: .family)
        try c.encode(preset, forKey: .preset)
        try c.encode(data, forKey: .data)
        try c.encodeIfPresent(dataB, forKey: .dataB)
        try c.encode(seed, forKey: .seed)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(steps, forKey: .steps)
        try c.encode(logEvery, forKey: .logEvery)
        try c.encode(sampleEvery, forKey: .sampleEvery)
        try c.encode(checkpointEvery, forKey: .checkpointEvery)
        try c.encode(keepCheckpoints, forKey: .keepCheckpoints)
        if case .linear(let start) = schedule {
            try c.encode("linear", forKey: .learningRateDecay)
            if start > 0 { try c.encode(start, forKey: .learningRateDecayStart) }
        }
    }
}

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
/// ```
public struct RunFolder {
    public let url: URL
    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var checkpointsURL: URL { url.appendingPathComponent("checkpoints", isDirectory: true) }
    public var samplesURL: URL { url.appendingPathComponent("samples", isDirectory: true) }
    public var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }

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
              let model = object["model"],
              let modelData = try? JSONSerialization.data(withJSONObject: model) else {
            throw ModelError.run("\(path): no 'model' object; expected the family's config under \"model\"")
        }
        return (run, family, try family.decodeConfiguration(from: modelData))
    }

    /// The path of the sample grid for `step`.
    public func samplePath(step: Int) -> String {
        samplesURL.appendingPathComponent(String(format: "step-%06d.png", step)).path
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
