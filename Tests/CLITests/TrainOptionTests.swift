import Foundation
import GANData
import Testing

/// Every option of `gan train` is applied or refused with the reason, on a fresh run and on
/// `--resume`; output pictures are what their extension says; help speaks of what a user has.
@Suite(.serialized, .enabled(if: GANCommand.shouldRun)) struct TrainOptionTests {
    /// Two steps of the toy GAN: the cheapest run there is.
    let toy = ["train", "gan", "--data", "toy:ring8", "--steps", "2", "--batch-size", "8"]

    /// A folder holding a finished two-step toy run, `run`.
    func toyRun(_ name: String) throws -> URL {
        let folder = try GANCommand.temporaryFolder(name)
        let made = try GANCommand.run(toy + ["--out", "run"], in: folder)
        #expect(made.status == 0, "\(made.text)")
        return folder
    }

    @Test func resumeRefusesAnotherSeedDataPresetOrBatch() throws {
        let folder = try toyRun("seed-data")
        defer { try? FileManager.default.removeItem(at: folder) }
        let resume = ["train", "gan", "--out", "run", "--resume", "--steps", "3"]
        let seed = try GANCommand.run(resume + ["--seed", "5"], in: folder)
        #expect(seed.status != 0)
        #expect(seed.error.contains("the run's seed is 0 (in config.json), not 5"), "\(seed.text)")
        let data = try GANCommand.run(resume + ["--data", "toy:grid25"], in: folder)
        #expect(data.status != 0)
        #expect(data.error.contains("the run trains on 'toy:ring8' (in config.json), not 'toy:grid25'"), "\(data.text)")
        let batch = try GANCommand.run(resume + ["--batch-size", "16"], in: folder)
        #expect(batch.status != 0 && batch.error.contains("the run's batch size is 8 (in config.json), not 16"), "\(batch.text)")
        let preset = try GANCommand.run(resume + ["--preset", "mnist"], in: folder)
        #expect(preset.status != 0 && preset.error.contains("the run's preset is 'toy' (in config.json), not 'mnist'"), "\(preset.text)")
        #expect(try GANCommand.runSettings(folder.appendingPathComponent("run"))["steps"] as? Int == 2,
                "a refused resume leaves config.json alone")
        // The saved values themselves change nothing, so they are accepted: the command that
        // started the run, with --resume added, continues it.
        let same = try GANCommand.run(resume + ["--seed", "0", "--data", "toy:ring8", "--preset", "toy", "--batch-size", "8"],
                                      in: folder)
        #expect(same.status == 0, "\(same.text)")
        #expect(try GANCommand.runSettings(folder.appendingPathComponent("run"))["steps"] as? Int == 3)
    }

    @Test func outputCadenceAppliedAndSavedOnResume() throws {
        let folder = try toyRun("cadence")
        defer { try? FileManager.default.removeItem(at: folder) }
        let resumed = try GANCommand.run(["train", "gan", "--out", "run", "--resume", "--steps", "4", "--sample-every", "7",
                                          "--checkpoint-every", "1", "--log-every", "1", "--keep-checkpoints", "5"], in: folder)
        #expect(resumed.status == 0, "\(resumed.text)")
        let run = folder.appendingPathComponent("run")
        let settings = try GANCommand.runSettings(run)
        #expect(settings["sampleEvery"] as? Int == 7 && settings["checkpointEvery"] as? Int == 1)
        #expect(settings["logEvery"] as? Int == 1 && settings["keepCheckpoints"] as? Int == 5)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path)
        #expect(checkpoints.contains("step-00000003.safetensors") && checkpoints.contains("step-00000004.safetensors"))
        #expect(try GANCommand.metricSteps(run) == [2, 3, 4])
    }

    /// Evaluation settings are in config.json, so the `--resume` line printed after Ctrl-C
    /// evaluates as the run started.
    @Test func evaluationSavedAndKeptOnResume() throws {
        let folder = try GANCommand.temporaryFolder("eval")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fresh = try GANCommand.run(["train", "gan", "--data", "fashion-mnist", "--steps", "2", "--batch-size", "8", "--out", "run",
                                        "--eval-every", "2", "--eval-metrics", "kid", "--eval-count", "8"], in: folder)
        #expect(fresh.status == 0, "\(fresh.text)")
        let run = folder.appendingPathComponent("run")
        let evaluation = try #require(try GANCommand.runSettings(run)["evaluation"] as? [String: Any])
        #expect(evaluation["every"] as? Int == 2 && evaluation["metrics"] as? String == "kid" && evaluation["count"] as? Int == 8)
        let resumed = try GANCommand.run(["train", "gan", "--out", "run", "--resume", "--steps", "4"], in: folder)
        #expect(resumed.status == 0, "\(resumed.text)")
        #expect(resumed.output.contains("eval: kid every 2 steps on 8 samples"), "\(resumed.text)")
        let text = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        let evaluated = text.split(separator: "\n").filter { $0.contains("\"eval") }.compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["step"] as? Int
        }
        #expect(evaluated == [2, 4])
    }

    @Test(arguments: [
        (["--epochs", "1"], "--steps and --epochs both set the length of the run: give one of them"),
        (["--sample-every", "0"], "--sample-every must be positive, got 0"),
        (["--checkpoint-every", "0"], "--checkpoint-every must be positive, got 0"),
        (["--log-every=-3"], "--log-every must be positive, got -3"),
        (["--eval-metrics", "kid"], "--eval-metrics sets up evaluation during training, which needs --eval-every K"),
        (["--keep-checkpoints=-1"], "--keep-checkpoints must be 0 (keep all) or more, got -1"),
    ])
    func conflictsAreErrors(extra: [String], message: String) throws {
        let folder = try GANCommand.temporaryFolder("conflict")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try GANCommand.run(toy + extra + ["--out", "run"], in: folder)
        #expect(result.status != 0)
        #expect(result.error.contains(message), "\(result.text)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path), "a refused run leaves no folder")
    }

    /// An explicit preset that would turn grey 28×28 into colour 64×64 is refused.
    @Test func presetThatDoesNotFitTheData() throws {
        let folder = try GANCommand.temporaryFolder("preset")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try GANCommand.run(["train", "dcgan", "--preset", "dcgan64", "--data", "fashion-mnist", "--steps", "2",
                                         "--out", "run"], in: folder)
        #expect(result.status != 0)
        #expect(result.error.contains("--preset dcgan64 makes 3×64×64 images, but fashion-mnist gives 1×28×28"), "\(result.text)")
        #expect(result.error.contains("--convert-channels"), "\(result.text)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path))
    }

    @Test func resumeTargetAtOrBelowTheCurrentStep() throws {
        let folder = try toyRun("target")
        defer { try? FileManager.default.removeItem(at: folder) }
        for extra in [["--steps", "1"], ["--steps", "2"]] {
            let result = try GANCommand.run(["train", "gan", "--out", "run", "--resume"] + extra, in: folder)
            #expect(result.status != 0)
            #expect(result.error.contains("the run is at step 2; \(extra.joined(separator: " ")) would train nothing: give a larger total"),
                    "\(result.text)")
        }
        #expect(try GANCommand.runSettings(folder.appendingPathComponent("run"))["steps"] as? Int == 2)
    }

    @Test func sampleWritesTheFormatItsExtensionSays() throws {
        let folder = try toyRun("extension")
        defer { try? FileManager.default.removeItem(at: folder) }
        let jpeg = try GANCommand.run(["sample", "--run", "run", "--out", "x.jpg"], in: folder)
        #expect(jpeg.status == 0, "\(jpeg.text)")
        #expect(Array(try FileIO.readBytes(folder.appendingPathComponent("x.jpg").path).prefix(3)) == [0xFF, 0xD8, 0xFF])
        let gif = try GANCommand.run(["sample", "--run", "run", "--out", "x.gif"], in: folder)
        #expect(gif.status != 0)
        #expect(gif.error.contains("--out x.gif: cannot write .gif images: give .png, .jpg or .jpeg"), "\(gif.text)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.gif").path))
    }

    /// A resume that finds no readable checkpoint starts from step 0 with an empty metrics.jsonl.
    @Test func restartFromStepZeroEmptiesMetrics() throws {
        let folder = try toyRun("restart")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let checkpoints = run.appendingPathComponent("checkpoints")
        for name in try FileManager.default.contentsOfDirectory(atPath: checkpoints.path) {
            try FileManager.default.removeItem(at: checkpoints.appendingPathComponent(name))
        }
        #expect(try GANCommand.metricSteps(run) == [2])
        let resumed = try GANCommand.run(["train", "gan", "--out", "run", "--resume", "--log-every", "1"], in: folder)
        #expect(resumed.status == 0, "\(resumed.text)")
        #expect(resumed.output.contains("no checkpoint yet; starting from step 0"))
        #expect(try GANCommand.metricSteps(run) == [1, 2])
    }

    /// The first log line comes after a few steps, with images/s, elapsed time and ETA.
    @Test func firstLogLineEarlyWithETA() throws {
        let folder = try GANCommand.temporaryFolder("progress")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try GANCommand.run(["train", "gan", "--data", "toy:ring8", "--steps", "8", "--batch-size", "8",
                                         "--log-every", "100", "--out", "run"], in: folder)
        #expect(result.status == 0, "\(result.text)")
        let lines = result.output.split(separator: "\n").filter { $0.hasPrefix("step ") }
        #expect(lines.map { $0.split(separator: " ")[1] } == ["5/8", "8/8"], "\(result.output)")
        for line in lines {
            #expect(line.range(of: #"img/s  elapsed \d+:\d\d  ETA \d+:\d\d$"#, options: .regularExpression) != nil, "\(line)")
        }
    }

    /// `~` is expanded in data specs and path options given as `--out=~/...`.
    @Test func tildeExpanded() throws {
        let home = try GANCommand.temporaryFolder("home")
        defer { try? FileManager.default.removeItem(at: home) }
        let faces = home.appendingPathComponent("faces")
        try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
        for i in 0..<4 {
            let pixels = (0..<(8 * 8)).map { UInt8(($0 * (i + 3)) % 256) }
            try Bitmap(width: 8, height: 8, channels: 1, pixels: pixels).writePNG(to: faces.appendingPathComponent("\(i).png").path)
        }
        let result = try GANCommand.run(["train", "gan", "--data", "folder:~/faces", "--steps", "2", "--batch-size", "2",
                                         "--out=~/run"], in: home, environment: ["HOME": home.path])
        #expect(result.status == 0, "\(result.text)")
        let settings = try GANCommand.runSettings(home.appendingPathComponent("run"))
        #expect(settings["data"] as? String == "folder:\(faces.path)")
    }

    /// Help and `gan list` name nothing outside the repository, and examples fit 80 columns.
    @Test(arguments: [["--help"], ["train", "--help"], ["sample", "--help"], ["interpolate", "--help"], ["translate", "--help"],
                      ["attention", "--help"], ["mix", "--help"], ["eval", "--help"], ["report", "--help"], ["list"], ["bench", "--help"],
                      ["bench", "train", "--help"], ["bench", "generate", "--help"], ["bench", "eval", "--help"],
                      ["data", "emoji", "--help"], ["classifier", "train", "--help"],
                      ["classifier", "eval", "--help"]])
    func helpSpeaksOfWhatAUserHas(arguments: [String]) throws {
        let folder = try GANCommand.temporaryFolder("help")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try GANCommand.run(arguments, in: folder, environment: ["COLUMNS": "200"])
        #expect(result.status == 0, "\(result.text)")
        #expect(!result.text.contains("../shared") && !result.text.contains("/tmp/") && !result.text.contains("venv"), "\(result.text)")
        var inExamples = false
        for line in result.output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces) == "Examples:" { inExamples = true; continue }
            if inExamples && line.trimmingCharacters(in: .whitespaces).isEmpty { inExamples = false }
            if inExamples { #expect(line.count <= 80, "\(arguments): example wider than 80 columns: \(line)") }
        }
    }
}
