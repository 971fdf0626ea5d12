import Foundation
import GANData
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

@Suite(.serialized) struct TrainingTests {
    func trainer(_ folder: RunFolder, family: String, config: any ModelConfiguration, data: Dataset,
                 spec: String, steps: Int, batch: Int = 16, every: Int = 3, create: Bool = true) throws -> Trainer {
        var config = config
        let domains = try Families.named(family).domainCount
        let datasets = Array(repeating: data, count: domains)
        try config.adapt(to: datasets)
        let run = RunSettings(family: family, preset: "test", data: try DataSpec(parsing: spec),
                              dataB: domains == 2 ? try DataSpec(parsing: spec) : nil, seed: 5,
                              batchSize: batch, steps: steps, logEvery: every, sampleEvery: every,
                              checkpointEvery: every, keepCheckpoints: 2, schedule: .linear(start: 0.5))
        if create {
            try folder.create()
            try folder.writeConfig(run: run, model: config)
        }
        return try Trainer(run: run, model: config, datasets: datasets, folder: folder)
    }

    /// A config of `family` small enough for a test, and its data.
    func smallConfig(_ family: String) -> (config: any ModelConfiguration, data: Dataset) {
        switch family {
        case "gan":
            var c = GANConfig.mnist
            c.network.generatorHidden = [16, 16]; c.network.discriminatorHidden = [16]; c.network.latentDimension = 4
            c.emaDecay = 0.9
            return (c, tinyImages())
        case "wgan-gp":
            var c = WGANGPConfig.dcgan28; c.network = smallDCGAN().network; c.network.discriminatorBatchNorm = false
            c.criticSteps = 2
            return (c, tinyImages())
        case "wgan":
            var c = WGANConfig.dcgan28; c.network = smallDCGAN().network; c.criticSteps = 2
            return (c, tinyImages())
        case "cgan":
            var c = CGANConfig.dcgan28; c.network = smallDCGAN().network
            return (c, tinyImages())
        case "cyclegan":
            // Pools of 3 with batches of 16: from the first step on, the pools replace at random.
            var c = CycleGANConfig.grey28
            c.network = CycleGANNetworkSettings(channels: 1, imageSize: 8, generatorWidth: 2, residualBlocks: 1,
                                                discriminatorWidth: 2, discriminatorLayers: 1)
            c.poolSize = 3
            return (c, tinyImages())
        case "cogan":
            var c = CoGANConfig.grey28
            c.network = CoGANNetworkSettings(latentDimension: 4, channels: 1, generatorWidth: 0.01, discriminatorWidth: 0.1)
            c.emaDecay = 0.9
            return (c, tinyImages(count: 32, side: 28))
        case "sagan":
            // Spectral norm's u and v, attention, conditional BN and the projection embedding.
            var c = SAGANConfig.grey28
            c.network = SAGANNetworkSettings(channels: 1, imageSize: 16, latentDimension: 4, generatorWidth: 2,
                                             discriminatorWidth: 2, attentionSide: 8)
            c.emaDecay = 0.9
            return (c, tinyImages(count: 32, side: 16))
        case "biggan":
            // The EMA starts averaging at step 6, after the resume at step 4, with a half-life
            // that the images shown ramp up.
            var c = BigGANConfig.grey28
            c.network = tinyBigGAN()
            c.emaHalfLifeImages = 40
            c.emaStart = 6
            return (c, tinyImages(count: 32, side: 16))
        case "progan":
            // 4 → 8, 48 images per phase at batch 16: the stop at step 4 (64 images) falls a
            // third of the way into the fade of level 1 (steps 3–5).
            var c = ProGANConfig.grey28
            c.network = ProGANNetworkSettings(channels: 1, bottomSide: 4, levelChannels: [4, 3], latentDimension: 4)
            c.phaseImages = 48
            c.emaDecay = 0.9
            return (c, tinyImages())
        case "stylegan":
            // R1 every 4 steps: the resumed run's first step (4) is an R1 step; style mixing
            // always, so the crossover draws are part of the RNG stream resumed.
            var c = StyleGANConfig.grey28
            c.network = StyleGANNetworkSettings(channels: 1, bottomSide: 4, levelChannels: [4, 3], latentDimension: 4,
                                                mappingLayers: 2)
            c.r1Interval = 4
            c.mixingProbability = 1
            c.emaDecay = 0.9
            return (c, tinyImages())
        case "stylegan2":
            // `stylegan --variant 2`: the path length runs every 4 steps, so the resumed run's
            // first step (4) is a path-length (and R1) step that starts from the saved pl_mean.
            let (c, data) = smallConfig("stylegan")
            var v2 = c as! StyleGANConfig
            v2.variant = 2
            return (v2, data)
        default:
            return (smallDCGAN(), tinyImages())
        }
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
    /// optimiser state, EMA, pools, RNG and batcher positions — for every family.
    /// (`stylegan2` is the stylegan family with `--variant 2`.)
    @Test(arguments: ["gan", "dcgan", "cgan", "wgan", "wgan-gp", "cyclegan", "cogan", "sagan", "biggan", "progan", "stylegan",
                      "stylegan2"])
    func resumeIsExact(case name: String) throws {
        #expect(Families.all.count == 11, "a new family needs its case here")
        let (config, data) = smallConfig(name)
        let family = name == "stylegan2" ? "stylegan" : name
        let n = 4
        let a = temporaryRunFolder("resume-a"), b = temporaryRunFolder("resume-b")
        defer { try? FileManager.default.removeItem(at: a.url); try? FileManager.default.removeItem(at: b.url) }
        let straight = try trainer(a, family: family, config: config, data: data, spec: "toy:ring8", steps: 2 * n)
        _ = try straight.train()

        // Stopped at step n as Ctrl-C stops it (same total, so the same learning-rate schedule).
        let first = try trainer(b, family: family, config: config, data: data, spec: "toy:ring8", steps: 2 * n)
        #expect(try first.train(shouldStop: { first.step >= n }) == .interrupted(step: n, checkpoint: first.folder.checkpointsURL
            .appendingPathComponent(Checkpoints.fileName(step: n))))
        let second = try trainer(b, family: family, config: config, data: data, spec: "toy:ring8", steps: 2 * n, create: false)
        let message = try second.resumeIfPossible()
        #expect(message?.contains("step \(n)") == true)
        if let progan = second.model as? ProGANModel {
            // Mid-fade: 64 images, 16 into the fade of 48.
            #expect(progan.growth == ProGANGrowth(depth: 1, alpha: Float(16) / 48))
        }
        _ = try second.train()

        #expect(second.step == straight.step)
        #expect(second.rng == straight.rng)
        #expect(second.batches.states == straight.batches.states)
        let x = straight.model.stateDict(), y = second.model.stateDict()
        #expect(x.keys == y.keys)
        for key in x.keys {
            #expect(x[key]!.scalars == y[key]!.scalars, "\(family): \(key) differs after resume")
        }
        if family == "cyclegan" {
            #expect(x.keys.contains("pool_a.images") && x.keys.contains("pool_b.images"))
        }
        if family == "progan" {
            #expect(x["progan.images_shown"]?.item == 128 && x["progan.depth"]?.item == 1 && x["progan.alpha"]?.item == 1)
        }
        if family == "stylegan" {
            #expect(x.keys.contains("generator.w_avg") && x.keys.contains("ema.w_avg"))
            #expect(x["generator.w_avg"]!.abs().max().item > 0)
            #expect(x.keys.contains("path_length.mean") == (name == "stylegan2"))
        }
        if name == "stylegan2" {
            #expect(x.keys.contains("generator.convs.0.noise.weight") && x.keys.contains("discriminator.blocks.0.skip.weight"))
            #expect(x["path_length.mean"]!.item > 0)
        }
        if family == "sagan" {
            #expect(x.keys.contains("discriminator.embed.weight_u") && x.keys.contains("ema.bn.0.gain.weight"))
        }
    }

    /// Run folders written before the model seam (gan and wgan-gp, EMA on; format-1 training
    /// state) still sample the same images and resume to the same weights as the old build did.
    @Test(arguments: ["gan", "wgan-gp"])
    func oldRunFoldersSampleAndResume(family: String) throws {
        let fixture = Fixture.directory.appendingPathComponent("runs/\(family)-toy-v1")
        let copy = temporaryRunFolder("old-\(family)")
        defer { try? FileManager.default.removeItem(at: copy.url) }
        try FileManager.default.copyItem(at: fixture, to: copy.url)
        func samples(_ path: String) throws -> [Float] {
            let model = try TrainedRun(path: path).latentModel(for: "sample")
            return model.generate(model.latents(count: 16, seed: 9)).scalars
        }
        func expected(_ step: Int) throws -> [Float] {
            let array = try NumPy.read(Fixture.directory.appendingPathComponent("runs/\(family)-toy-v1-expected-step\(step).npy").path)
            guard case .float32(let values) = array.values else { throw ModelError.run("expected float32 samples") }
            return values
        }
        #expect(try samples(copy.url.path) == expected(6))
        var saved = try copy.readConfig()
        saved.run.steps = 8
        let dataset = try saved.run.data.load(DataLoadOptions(seed: saved.run.seed))
        let trainer = try Trainer(run: saved.run, model: saved.model, dataset: dataset, folder: copy)
        #expect(try trainer.resumeIfPossible()?.contains("step 6") == true)
        _ = try trainer.train()
        #expect(try samples(copy.url.path) == expected(8))
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
