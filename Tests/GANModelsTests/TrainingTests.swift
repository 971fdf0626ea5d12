import Foundation
import GANData
import GANLayers
import GANTensor
import Testing
@testable import GANModels

@Suite(.serialized) struct TrainingTests {
    func trainer(_ folder: RunFolder, family: String, config: any ModelConfiguration, data: Dataset,
                 spec: String, steps: Int, batch: Int = 16, every: Int = 3) throws -> Trainer {
        var config = config
        try config.adapt(to: [data])
        let run = RunSettings(family: family, preset: "test", data: try DataSpec(parsing: spec), seed: 5,
                              batchSize: batch, steps: steps, logEvery: every, sampleEvery: every,
                              checkpointEvery: every, keepCheckpoints: 2)
        try folder.create()
        try folder.writeConfig(run: run, model: config)
        return try Trainer(run: run, model: config, dataset: data, folder: folder)
    }

    func smallDCGAN() -> DCGANConfig {
        var c = DCGANConfig.dcgan28
        c.network.dataShape = [1, 8, 8]
        c.network.width = 4
        c.network.latentDimension = 8
        c.emaDecay = 0.9
        return c
    }

    /// 2N steps in one go and N steps + resume for N more give bit-identical weights,
    /// optimiser state, EMA, RNG and batcher position.
    @Test(arguments: ["dcgan", "wgan-gp", "wgan", "cgan"])
    func resumeIsExact(family: String) throws {
        let data = tinyImages()
        let config: any ModelConfiguration
        switch family {
        case "wgan-gp":
            var c = WGANGPConfig.dcgan28; c.network = smallDCGAN().network; c.network.discriminatorBatchNorm = false
            c.criticSteps = 2; config = c
        case "wgan":
            var c = WGANConfig.dcgan28; c.network = smallDCGAN().network; c.criticSteps = 2; config = c
        case "cgan":
            var c = CGANConfig.dcgan28; c.network = smallDCGAN().network; config = c
        default:
            config = smallDCGAN()
        }
        let n = 4
        let a = temporaryRunFolder("resume-a"), b = temporaryRunFolder("resume-b")
        defer { try? FileManager.default.removeItem(at: a.url); try? FileManager.default.removeItem(at: b.url) }
        let straight = try trainer(a, family: family, config: config, data: data, spec: "toy:ring8", steps: 2 * n)
        _ = try straight.train()

        let first = try trainer(b, family: family, config: config, data: data, spec: "toy:ring8", steps: n)
        _ = try first.train()
        let secondRun = RunSettings(family: family, preset: "test", data: try DataSpec(parsing: "toy:ring8"), seed: 5,
                                    batchSize: 16, steps: 2 * n, logEvery: 3, sampleEvery: 3, checkpointEvery: 3,
                                    keepCheckpoints: 2)
        var adapted = config
        try adapted.adapt(to: [data])
        let second = try Trainer(run: secondRun, model: adapted, dataset: data, folder: b)
        let message = try second.resumeIfPossible()
        #expect(message?.contains("step \(n)") == true)
        _ = try second.train()

        #expect(second.step == straight.step)
        #expect(second.rng == straight.rng)
        #expect(second.batches.states == straight.batches.states)
        let x = straight.model.stateDict(), y = second.model.stateDict()
        #expect(x.keys == y.keys)
        for key in x.keys {
            #expect(x[key]!.scalars == y[key]!.scalars, "\(family): \(key) differs after resume")
        }
    }

    /// A torn newest checkpoint is skipped and the previous one used; a mismatched one is an error.
    @Test func tornAndMismatchedCheckpoints() throws {
        let data = tinyImages()
        let folder = temporaryRunFolder("torn")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let t = try trainer(folder, family: "dcgan", config: smallDCGAN(), data: data, spec: "toy:ring8", steps: 6)
        _ = try t.train()
        let files = Checkpoints.stepFiles(in: folder)
        #expect(files.map(\.step) == [3, 6])
        // Truncate the newest checkpoint, as a crash of a non-atomic writer would.
        let bytes = try Data(contentsOf: files[1].url)
        try bytes.prefix(bytes.count / 2).write(to: files[1].url)
        let fresh = try trainer(temporaryRunFolder("unused"), family: "dcgan", config: smallDCGAN(), data: data,
                                spec: "toy:ring8", steps: 6)
        let found = try Checkpoints.loadNewest(in: folder, into: fresh.model, family: "dcgan")
        #expect(found?.state.step == 3)
        #expect(found?.skipped.count == 1)
        // A checkpoint of other networks: a clear error naming the tensors.
        var other = smallDCGAN()
        other.network.width = 8
        let mismatched = try trainer(temporaryRunFolder("other"), family: "dcgan", config: other, data: data,
                                     spec: "toy:ring8", steps: 6)
        #expect(throws: CheckpointError.self) {
            _ = try Checkpoints.load(files[0].url, into: mismatched.model, family: "dcgan")
        }
        #expect(throws: ModelError.self) {
            _ = try Checkpoints.load(files[0].url, into: fresh.model, family: "wgan")
        }
    }

    /// A NaN loss stops training with a message naming the last good checkpoint.
    @Test func nonFiniteLossStops() throws {
        let data = tinyImages()
        let folder = temporaryRunFolder("nan")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        var config = smallDCGAN()
        config.generatorOptimizer.learningRate = 1e30
        config.discriminatorOptimizer.learningRate = 1e30
        let t = try trainer(folder, family: "dcgan", config: config, data: data, spec: "toy:ring8", steps: 30)
        do {
            _ = try t.train()
            Issue.record("training with an infinite learning rate did not stop")
        } catch let error as ModelError {
            #expect("\(error)".contains("training stopped at step"))
        }
    }

    @Test func cganSamplesByClass() throws {
        var rng = RandomGenerator(seed: 0)
        var config = CGANConfig.dcgan28
        config.network.dataShape = [1, 8, 8]
        config.network.width = 4
        try config.adapt(to: [tinyImages()])
        let model = try config.makeAdversarialModel(using: &rng)
        #expect(model.classCount == 2)
        let x = model.generate(model.latents(count: 3, using: &rng), labels: [1, 1, 0])
        #expect(x.shape == [3, 1, 8, 8])
    }
}
