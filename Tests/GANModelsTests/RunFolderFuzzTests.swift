import Foundation
import GANData
import GANLayers
import GANTestSupport
import Testing
@testable import GANModels

/// A run folder as `gan sample` and `--resume` open it (`TrainedRun`), with a damaged
/// `config.json` or checkpoint: seeded mutants of `Tests/Fixtures/runs/gan-toy-v1` must load or
/// be refused with an error, never stop the process.
@Suite struct RunFolderFuzzTests {
    /// A copy of the fixture run in a fresh temporary folder.
    static func copyOfRun() throws -> URL {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gan-fuzz-run-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.copyItem(at: Fixture.directory.appendingPathComponent("runs/gan-toy-v1"), to: folder)
        return folder
    }

    /// Loads the run, counting refusals; anything but a project error is a failure.
    static func load(_ run: URL) throws {
        do {
            _ = try TrainedRun(path: run.path)
        } catch let error as ModelError {
            throw error
        } catch let error as CheckpointError {
            throw error
        } catch let error as DataError {
            throw error
        }
    }

    @Test func configBytes() throws {
        let run = try Self.copyOfRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let config = run.appendingPathComponent("config.json")
        let tally = try fuzz("config.json bytes", seeds: [try FileIO.readBytes(config.path)], count: 1500, file: config) { _ in
            try Self.load(run)
        }
        print(tally)
        #expect(tally.rejected > 0 && tally.accepted > 0)
    }

    /// The configs the fuzzing found stopping the process (an optimiser's initialiser, the EMA's,
    /// a layer of negative size), now refused with the reason: a key path and its new JSON value.
    @Test(arguments: [
        ("model.discriminatorOptimizer.beta1", "1.5", "expected Adam's β in [0, 1), found 1.5"),
        ("model.emaDecay", "-1", "the EMA decay must be in [0, 1], got -1.0"),
        ("model.network.discriminatorHidden", "[128, -1]", "layer sizes must be positive"),
    ])
    func configsThatStoppedTheProcess(path: String, value: String, message: String) throws {
        let run = try Self.copyOfRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let config = run.appendingPathComponent("config.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: config))
        let replacement = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        func set(_ node: Any, _ keys: ArraySlice<Substring>) -> Any {
            guard let key = keys.first, var dictionary = node as? [String: Any] else { return replacement }
            dictionary[String(key)] = set(dictionary[String(key)] as Any, keys.dropFirst())
            return dictionary
        }
        try JSONSerialization.data(withJSONObject: set(object, path.split(separator: ".")[...])).write(to: config)
        do {
            try Self.load(run)
            Issue.record("\(path) = \(value) was accepted")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test func modelThatIsNotAnObject() throws {
        let run = try Self.copyOfRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let config = run.appendingPathComponent("config.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
        object["model"] = 5
        try JSONSerialization.data(withJSONObject: object).write(to: config)
        #expect(throws: ModelError.run("\(config.path): no 'model' object; expected the family's config under \"model\"")) {
            try Self.load(run)
        }
    }

    /// Edits that keep the JSON valid: a value replaced by an edge value of another kind or
    /// size (−1, 0, 10⁹, a string, null, an empty array), or a key removed.
    @Test func configValues() throws {
        let run = try Self.copyOfRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let config = run.appendingPathComponent("config.json")
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: config))
        let edges: [Any] = [-1, 0, 1, 1_000_000_000, 1e30, -0.5, "x", NSNull(), [Any](), [String: Any](), true]
        var mutator = Mutator(seed: 7)
        var tally = FuzzTally(reader: "config.json values")
        for _ in 0..<1500 {
            var object = original
            for _ in 0...mutator.below(2) { object = Self.edit(object, edges: edges, using: &mutator) }
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: config)
            tally.tried += 1
            do {
                try Self.load(run)
                tally.accepted += 1
            } catch {
                tally.rejected += 1
            }
        }
        print(tally)
        #expect(tally.rejected > 0 && tally.accepted > 0)
    }

    /// `value` with one leaf (or one key of a dictionary) replaced or removed.
    static func edit(_ value: Any, edges: [Any], using mutator: inout Mutator) -> Any {
        if var dictionary = value as? [String: Any], !dictionary.isEmpty {
            let key = dictionary.keys.sorted()[mutator.below(dictionary.count)]
            switch mutator.below(8) {
            case 0: dictionary[key] = nil
            case 1: dictionary[key] = edges[mutator.below(edges.count)]
            default: dictionary[key] = edit(dictionary[key]!, edges: edges, using: &mutator)
            }
            return dictionary
        }
        if var array = value as? [Any], !array.isEmpty {
            let i = mutator.below(array.count)
            if mutator.below(6) == 0 { array.remove(at: i) } else { array[i] = edit(array[i], edges: edges, using: &mutator) }
            return array
        }
        return edges[mutator.below(edges.count)]
    }

    /// The checkpoint's safetensors header (where every offset, shape and dtype lives) mutated,
    /// the tensor bytes after it kept.
    @Test func checkpointHeader() throws {
        let run = try Self.copyOfRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let checkpoint = run.appendingPathComponent("checkpoints/step-00000006.safetensors")
        let bytes = try FileIO.readBytes(checkpoint.path)
        let headerLength = 8 + bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        let body = bytes[headerLength...]
        let scratch = run.appendingPathComponent("header.bin")
        let tally = try fuzz("checkpoint header", seeds: [Array(bytes[..<headerLength])], count: 1500, file: scratch) { url in
            try Data(try FileIO.readBytes(url.path) + body).write(to: checkpoint)
            try Self.load(run)
        }
        print(tally)
        #expect(tally.rejected > 0)
    }
}
