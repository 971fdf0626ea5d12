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
