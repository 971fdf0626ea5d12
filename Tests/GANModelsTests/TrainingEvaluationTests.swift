import Foundation
import GANData
import GANLayers
import GANTensor
import Testing
@testable import GANModels

/// The trainer's evaluation hook: when it runs, what it writes to metrics.jsonl, that it
/// leaves training untouched, and that `gan report` charts its values.
@Suite(.serialized) struct TrainingEvaluationTests {
    func makeTrainer(_ folder: RunFolder, steps: Int, logEvery: Int = 3) throws -> Trainer {
        var config = DCGANConfig.dcgan28
        config.network.dataShape = [1, 8, 8]
        config.network.width = 4
        config.network.latentDimension = 8
        let data = tinyImages()
        try config.adapt(to: [data])
        let run = RunSettings(family: "dcgan", preset: "test", data: try DataSpec(parsing: "toy:ring8"), seed: 5,
                              batchSize: 16, steps: steps, logEvery: logEvery, sampleEvery: 100, checkpointEvery: 100,
                              keepCheckpoints: 1)
        try folder.create()
        try folder.writeConfig(run: run, model: config)
        return try Trainer(run: run, model: config, dataset: data, folder: folder)
    }

    /// A stand-in metric: the mean of generated images from fixed latents.
    static func meanOfSamples(_ trained: any TrainableModel) -> Double {
        let model = trained as! any LatentModel
        var rng = RandomGenerator(seed: 42)
        return Double(model.generate(model.latents(count: 8, using: &rng)).mean().item)
    }

    @Test func hookRunsEveryKStepsAndAtTheEnd() throws {
        let folder = temporaryRunFolder("eval-hook")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let trainer = try makeTrainer(folder, steps: 7)
        var calls: [Int] = []
        trainer.evaluation = TrainingEvaluation(every: 3, settings: ["features": "test", "count": 8]) { model in
            calls.append(trainer.step)
            return [("fid", Double(trainer.step) * 1.5), ("kid", Self.meanOfSamples(model)), ("nan", .nan)]
        }
        _ = try trainer.train()
        #expect(calls == [3, 6, 7])

        let lines = folder.readMetrics().filter { $0["eval"] != nil }
        #expect(lines.map { ($0["step"] as? NSNumber)?.intValue } == [3, 6, 7])
        for line in lines {
            let step = (line["step"] as! NSNumber).doubleValue
            let values = try #require(line["eval"] as? [String: Any])
            #expect((values["fid"] as? NSNumber)?.doubleValue == step * 1.5)
            #expect(values["kid"] is NSNumber)
            #expect(values["nan"] == nil, "non-finite values are left out of the line")
            #expect((line["eval_seconds"] as? NSNumber) != nil)
            let settings = try #require(line["eval_settings"] as? [String: Any])
            #expect(settings["features"] as? String == "test")
            #expect((settings["count"] as? NSNumber)?.intValue == 8)
        }
        // The loss lines are still there, separate from the evaluation lines.
        #expect(folder.readMetrics().filter { $0["loss_d"] != nil }.map { ($0["step"] as? NSNumber)?.intValue } == [3, 6, 7])
    }

    /// Evaluating samples from the model in evaluation mode changes nothing in training.
    @Test func hookLeavesTrainingUnchanged() throws {
        let a = temporaryRunFolder("eval-plain"), b = temporaryRunFolder("eval-hooked")
        defer { try? FileManager.default.removeItem(at: a.url); try? FileManager.default.removeItem(at: b.url) }
        let plain = try makeTrainer(a, steps: 5)
        _ = try plain.train()
        let hooked = try makeTrainer(b, steps: 5)
        hooked.evaluation = TrainingEvaluation(every: 2) { model in [("mean", Self.meanOfSamples(model))] }
        _ = try hooked.train()
        let x = plain.model.stateDict(), y = hooked.model.stateDict()
        #expect(x.keys == y.keys)
        for key in x.keys { #expect(x[key]!.scalars == y[key]!.scalars, "\(key) differs with the evaluation hook") }
        #expect(plain.rng == hooked.rng)
    }

    /// A failing evaluation is logged and training goes on.
    @Test func failingHookIsLoggedAndTrainingContinues() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "no reference images" } }
        let folder = temporaryRunFolder("eval-broken")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let trainer = try makeTrainer(folder, steps: 4)
        trainer.evaluation = TrainingEvaluation(every: 2) { _ in throw Broken() }
        let outcome = try trainer.train()
        guard case .completed = outcome else { Issue.record("training did not complete"); return }
        #expect(trainer.step == 4)
        let errors = folder.readMetrics().compactMap { $0["eval_error"] as? String }
        #expect(errors == ["no reference images", "no reference images"])
    }

    /// A resumed run drops evaluation lines after its checkpoint, like the loss lines.
    @Test func resumeDropsLaterEvaluationLines() throws {
        let folder = temporaryRunFolder("eval-resume")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let first = try makeTrainer(folder, steps: 4)
        first.evaluation = TrainingEvaluation(every: 2) { _ in [("fid", 1)] }
        _ = try first.train()
        folder.truncateMetrics(after: 2)
        #expect(folder.readMetrics().filter { $0["eval"] != nil }.map { ($0["step"] as? NSNumber)?.intValue } == [2])
    }

    @Test func reportChartsEvaluationValues() throws {
        let folder = temporaryRunFolder("eval-report")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let trainer = try makeTrainer(folder, steps: 6, logEvery: 2)
        trainer.evaluation = TrainingEvaluation(every: 2, settings: ["features": "classifier", "count": 500]) { _ in
            [("fid", 40 - Double(trainer.step)), ("kid", 0.1), ("kid_std", 0.01), ("precision", 0.5), ("recall", 0.4),
             ("custom", 3)]
        }
        _ = try trainer.train()
        let html = RunReport.html(folder)
        #expect(html.contains("<h2>Evaluation</h2>"))
        #expect(html.contains("FID (classifier features, 500 samples)"))
        #expect(html.contains("KID (classifier features, 500 samples)"))
        #expect(html.contains("Precision and recall (classifier features, 500 samples)"))
        #expect(html.contains("custom (classifier features, 500 samples)"))
        #expect(!html.contains("kid_std (classifier"), "standard deviations are not charted on their own")
        #expect(html.contains("<h2>Last evaluation</h2>"))
        #expect(html.contains("Losses"))
        // Without evaluation lines there is no evaluation section.
        let plainFolder = temporaryRunFolder("eval-report-plain")
        defer { try? FileManager.default.removeItem(at: plainFolder.url) }
        _ = try makeTrainer(plainFolder, steps: 2, logEvery: 1).train()
        #expect(!RunReport.html(plainFolder).contains("<h2>Evaluation</h2>"))
    }
}

/// What the first hour with `gan` shows: an early log line with elapsed time and ETA, a clean
/// metrics file when a run starts over, and evaluation settings kept in config.json.
@Suite(.serialized) struct TrainingProgressTests {
    func makeTrainer(_ folder: RunFolder, steps: Int, logEvery: Int) throws -> Trainer {
        try TrainingEvaluationTests().makeTrainer(folder, steps: steps, logEvery: logEvery)
    }

    @Test func firstLineEarlyWithElapsedAndETA() throws {
        let folder = temporaryRunFolder("early-log")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let trainer = try makeTrainer(folder, steps: 8, logEvery: 100)
        _ = try trainer.train()
        let lines = folder.readMetrics().filter { $0["loss_d"] != nil }
        #expect(lines.map { ($0["step"] as? NSNumber)?.intValue } == [Trainer.firstLogStep, 8])
        for line in lines {
            #expect((line["elapsed_s"] as? NSNumber)?.doubleValue ?? -1 >= 0)
            #expect((line["eta_s"] as? NSNumber)?.doubleValue ?? -1 >= 0)
        }
        #expect((lines.last?["eta_s"] as? NSNumber)?.doubleValue == 0, "nothing is left after the last step")
    }

    /// The early line only measures: the weights are those of a run that logs late.
    @Test func earlyLineChangesNoWeights() throws {
        let a = temporaryRunFolder("early-a"), b = temporaryRunFolder("early-b")
        defer { try? FileManager.default.removeItem(at: a.url); try? FileManager.default.removeItem(at: b.url) }
        let early = try makeTrainer(a, steps: 6, logEvery: 100)
        let late = try makeTrainer(b, steps: 6, logEvery: 2)
        _ = try early.train()
        _ = try late.train()
        let x = early.model.stateDict(), y = late.model.stateDict()
        for key in x.keys { #expect(x[key]!.scalars == y[key]!.scalars, "\(key) differs with an early log line") }
    }

    @Test func startFromStepZeroEmptiesMetrics() throws {
        let folder = temporaryRunFolder("restart-metrics")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let trainer = try makeTrainer(folder, steps: 3, logEvery: 1)
        // A dead attempt's lines, as a run killed before its first checkpoint leaves them.
        folder.appendMetrics(["step": 40, "loss_d": 1.0])
        folder.appendMetrics(["step": 41, "loss_d": 1.0])
        #expect(try trainer.resumeIfPossible() == nil)
        _ = try trainer.train()
        #expect(folder.readMetrics().compactMap { ($0["step"] as? NSNumber)?.intValue } == [1, 2, 3])
    }

    @Test func clockReadings() {
        #expect(ProgressReporter.clock(7.4) == "0:07")
        #expect(ProgressReporter.clock(271) == "4:31")
        #expect(ProgressReporter.clock(3729) == "1:02:09")
        #expect(ProgressReporter.clock(.infinity) == "0:00")
    }

    /// Evaluation settings are part of config.json; a config without them still reads.
    @Test func evaluationSettingsRoundTrip() throws {
        var run = RunSettings(family: "dcgan", preset: "dcgan28", data: try DataSpec(parsing: "fashion-mnist"))
        run.evaluation = RunEvaluation(every: 500, metrics: "fid,kid", count: 1000, features: "classifier")
        let data = try JSONEncoder().encode(run)
        #expect(try JSONDecoder().decode(RunSettings.self, from: data) == run)
        run.evaluation = nil
        let plain = try JSONEncoder().encode(run)
        #expect(!String(decoding: plain, as: UTF8.self).contains("evaluation"))
        #expect(try JSONDecoder().decode(RunSettings.self, from: plain).evaluation == nil)
        var bad = run
        bad.evaluation = RunEvaluation(every: 0)
        #expect(throws: ModelError.self) { try bad.validate() }
    }
}
