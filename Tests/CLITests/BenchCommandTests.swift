import Foundation
import Testing

/// `gan bench train`, `generate` and `eval` with `--json` print what scripts/bench_sitting.sh
/// reads: the machine, and per model the timings, images/s and peak memory. Nothing here asserts
/// a speed; the parameter counts pin the reference models to those of the PyTorch yardstick.
@Suite(.serialized, .enabled(if: GANCommand.shouldRun)) struct BenchCommandTests {
    /// Runs `gan arguments` and parses its standard output as a JSON object.
    func json(_ arguments: [String], _ name: String) throws -> [String: Any] {
        let folder = try GANCommand.temporaryFolder(name)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try GANCommand.run(arguments, in: folder)
        try #require(result.status == 0, "\(result.text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
    }

    /// The machine's fields and each row's timing fields, consistent with `iterations` runs.
    func checkCommon(_ object: [String: Any], kind: String, iterations: Int) throws -> [[String: Any]] {
        #expect(object["kind"] as? String == kind)
        #expect(!(object["cpu"] as? String ?? "").isEmpty)
        #expect(object["threads"] as? Int == 1, "GANCommand runs with GAN_NUM_THREADS=1")
        #expect((object["load_average"] as? [Double])?.count == 3)
        #expect((object["date"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) } != nil)
        #expect(object["kernels"] is String && object["matrix_products"] is String && object["peak_memory_method"] is String)
        let rows = try #require(object["models"] as? [[String: Any]])
        for row in rows {
            let wall = try #require(row["wall_ms"] as? [Double])
            #expect(wall.count == iterations && row["n"] as? Int == iterations)
            let median = try #require(row["median_ms"] as? Double)
            let low = try #require(row["min_ms"] as? Double), high = try #require(row["max_ms"] as? Double)
            #expect(low == wall.min() && high == wall.max() && wall.contains(median))
            #expect(low > 0 && low <= median && median <= high)
            #expect((row["images_per_s"] as? Double ?? 0) > 0)
            let peak = try #require(row["peak_rss_mib"] as? Double), baseline = try #require(row["baseline_rss_mib"] as? Double)
            #expect(baseline > 0 && peak >= baseline)
        }
        return rows
    }

    @Test func trainReferenceModelJSON() throws {
        let object = try json(["bench", "train", "--models", "mlp28", "--iterations", "2", "--warmup", "0", "--json"], "bench-train")
        let rows = try checkCommon(object, kind: "train", iterations: 2)
        #expect(object["batch"] as? Int == 64 && rows.count == 1)
        let row = try #require(rows.first)
        #expect(row["model"] as? String == "mlp28" && row["reference"] as? Bool == true)
        // torch_bench.py's MLPGen and MLPDisc.
        #expect(row["parameters"] as? [String: Int] == ["generator": 1_510_032, "discriminator": 533_505])
        #expect(row["images_per_step"] as? Int == 64 && row["first_step"] as? Int == 0)
    }

    /// A two-domain family counts both domains' images; ProGAN is timed fully grown.
    @Test func trainFamilyModelsJSON() throws {
        let object = try json(["bench", "train", "--models", "cogan28,progan28", "--batch-size", "8", "--iterations", "1",
                               "--warmup", "0", "--json"], "bench-family")
        let rows = try checkCommon(object, kind: "train", iterations: 1)
        #expect(rows.map { $0["model"] as? String } == ["cogan28", "progan28"])
        #expect(rows[0]["command"] as? String == "cogan --preset grey28" && rows[0]["reference"] as? Bool == false)
        #expect(rows[0]["images_per_step"] as? Int == 16)
        // 2 levels grown over 5 phases of 60,000 images: step 300,000 / 8 + 1 is at full size.
        #expect(rows[1]["first_step"] as? Int == 37_501 && rows[1]["images_per_step"] as? Int == 8)
        #expect((rows[1]["parameters"] as? [String: Int])?.keys.sorted() == ["discriminator", "generator"])
    }

    @Test func generateJSON() throws {
        let object = try json(["bench", "generate", "--models", "dcgan28", "--iterations", "2", "--json"], "bench-generate")
        let rows = try checkCommon(object, kind: "generate", iterations: 2)
        #expect(rows.first?["model"] as? String == "dcgan28")
        #expect(rows.first?["generator_parameters"] as? Int == 766_017, "torch_bench.py's DC28Gen")
    }

    @Test func refusedModelsAreNamed() throws {
        let folder = try GANCommand.temporaryFolder("bench-refused")
        defer { try? FileManager.default.removeItem(at: folder) }
        let unknown = try GANCommand.run(["bench", "train", "--models", "mlp28,dcgan99"], in: folder)
        #expect(unknown.status != 0 && unknown.error.contains("unknown model 'dcgan99'") && unknown.error.contains("stylegan2-28"),
                "\(unknown.text)")
        let translation = try GANCommand.run(["bench", "generate", "--models", "cyclegan28", "--batch-size", "2", "--iterations", "1"],
                                             in: folder)
        #expect(translation.status != 0 && translation.error.contains("cyclegan28 translates images"), "\(translation.text)")
    }

    /// Without weights the command stops with the way to get them; with them (the default file
    /// or $GAN_INCEPTION_WEIGHTS), a batch of two images gives finite features.
    @Test func evalJSONOrClearErrorWithoutWeights() throws {
        let folder = try GANCommand.temporaryFolder("bench-eval")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("none.safetensors").path
        let refused = try GANCommand.run(["bench", "eval", "--count", "2", "--inception-weights", missing], in: folder)
        #expect(refused.status != 0)
        #expect(refused.error.contains("\(missing): Inception-v3 weights not found") && refused.error.contains("gan weights import"),
                "\(refused.text)")
        let environment = ProcessInfo.processInfo.environment
        let weights = environment["GAN_INCEPTION_WEIGHTS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swift-gan/inception-2015-12-05.safetensors").path
        guard FileManager.default.fileExists(atPath: weights) else { return }
        let object = try json(["bench", "eval", "--count", "2", "--batch-size", "2", "--warmup", "0", "--json"], "bench-eval-run")
        let rows = try checkCommon(object, kind: "eval", iterations: 1)
        #expect(object["images"] as? Int == 2 && object["batch"] as? Int == 2)
        let mean = try #require(rows.first?["feature_mean"] as? Double)
        #expect(mean.isFinite && mean > 0, "pool features follow ReLUs: their mean is positive")
    }
}
