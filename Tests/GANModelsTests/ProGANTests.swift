import Foundation
import GANData
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// ProGAN: continuity of the fade-in, the schedule, the optimiser state of levels not yet grown,
/// named pictures at the end of each phase and the growth in the checkpoint. One whole step
/// against PyTorch is in `StepParityTests.proganStepMatchesPyTorch`.
@Suite struct ProGANTests {
    /// 4 → 8 → 16, narrow.
    static let small = ProGANNetworkSettings(channels: 1, bottomSide: 4, levelChannels: [6, 5, 4], latentDimension: 8)

    static func config(phaseImages: Int, network: ProGANNetworkSettings = small) -> ProGANConfig {
        var c = ProGANConfig.grey28
        c.network = network
        c.phaseImages = phaseImages
        return c
    }

    static func model(phaseImages: Int, network: ProGANNetworkSettings = small, seed: UInt64 = 1) throws -> ProGANModel {
        var rng = RandomGenerator(seed: seed)
        return try #require(try config(phaseImages: phaseImages, network: network).makeModel(using: &rng) as? ProGANModel)
    }

    /// Biases away from zero, so that a bias in the wrong place shows.
    static func randomizeBiases(_ module: Module, using rng: inout RandomGenerator) {
        for (name, p) in module.namedParameters() where name.hasSuffix("bias") {
            p.value = 0.1 * Tensor.randomNormal(p.shape, using: &rng)
        }
    }

    /// At the moment a level is added (α = 0), G's output equals the previous depth's output
    /// up-sampled, and D's score of an image equals the previous depth's score of the image
    /// average-pooled; half-way through the fade both differ.
    @Test func fadeInIsContinuous() throws {
        var rng = RandomGenerator(seed: 2)
        let g = ProGANGenerator(settings: Self.small, using: &rng), d = ProGANDiscriminator(settings: Self.small, using: &rng)
        Self.randomizeBiases(g, using: &rng)
        Self.randomizeBiases(d, using: &rng)
        let z = Tensor.randomNormal([8, 8], using: &rng)
        withoutGradients {
            for depth in 1...Self.small.levels {
                let before = g(z, growth: ProGANGrowth(depth: depth - 1)).upsampledNearest(scale: 2)
                let added = g(z, growth: ProGANGrowth(depth: depth, alpha: 0))
                #expect(added.shape == [8, 1, Self.small.side(depth: depth), Self.small.side(depth: depth)])
                #expect((added - before).abs().max().item <= 1e-6, "G at depth \(depth)")
                let halfway = g(z, growth: ProGANGrowth(depth: depth, alpha: 0.5))
                #expect((halfway - before).abs().max().item > 1e-3, "G at depth \(depth): the new level does not contribute")

                let x = Tensor.randomNormal([8, 1, Self.small.side(depth: depth), Self.small.side(depth: depth)], using: &rng)
                let scoreBefore = d(x.downsampled2x(), growth: ProGANGrowth(depth: depth - 1))
                let scoreAdded = d(x, growth: ProGANGrowth(depth: depth, alpha: 0))
                #expect(scoreAdded.shape == [8, 1])
                #expect(relativeError(scoreAdded, scoreBefore) <= 1e-6, "D at depth \(depth)")
                #expect(relativeError(d(x, growth: ProGANGrowth(depth: depth, alpha: 0.5)), scoreBefore) > 1e-3)
                #expect(scoreAdded.scalars.allSatisfy { $0.isFinite })
            }
        }
    }

    /// α rises linearly over each transition by images shown; the depth steps up when a
    /// transition starts; the last level stays once grown.
    @Test func scheduleByImagesShown() {
        let schedule = ProGANSchedule(levels: 2, phaseImages: 10)
        let expected: [(Int, Int, Float)] = [(0, 0, 1), (9, 0, 1), (10, 1, 0), (13, 1, 0.3), (19, 1, 0.9), (20, 1, 1),
                                             (29, 1, 1), (30, 2, 0), (35, 2, 0.5), (40, 2, 1), (10_000, 2, 1)]
        for (images, depth, alpha) in expected {
            #expect(schedule.growth(afterImages: images) == ProGANGrowth(depth: depth, alpha: alpha), "after \(images) images")
        }
        for images in 30..<40 {
            #expect(schedule.growth(afterImages: images).alpha == Float(images - 30) / 10)
        }
        #expect(schedule.totalImages == 50)
        #expect(schedule.levelFinished(after: 8, upTo: 12) == 0)
        #expect(schedule.levelFinished(after: 12, upTo: 16) == nil)
        #expect(schedule.levelFinished(after: 29, upTo: 30) == 1)
        #expect(schedule.levelFinished(after: 30, upTo: 34) == nil)
        #expect(schedule.levelFinished(after: 48, upTo: 52) == 2)
        #expect(schedule.levelFinished(after: 0, upTo: 64) == 2)
        #expect(ProGANSchedule(levels: 0, phaseImages: 5).growth(afterImages: 100) == ProGANGrowth(depth: 0))
    }

    /// The step derives the growth from the step number and the batch size: batch 4, 8 images
    /// per phase, 16×16 after 40 images.
    @Test func stepsGrowByImagesShown() throws {
        let model = try Self.model(phaseImages: 8)
        var rng = RandomGenerator(seed: 3)
        let real = Tensor.randomUniform([4, 1, 16, 16], using: &rng) * 2 - 1
        var seen: [(side: Float, alpha: Float)] = []
        for step in 0..<11 {
            let context = StepContext(step: step, totalSteps: 11, measure: true, rng: rng,
                                      source: StepParityTests.FixedBatches([real]))
            let metrics = try model.trainingStep(context)
            rng = context.rng
            seen.append((metrics["side"]!, metrics["alpha"]!))
            #expect(model.imagesShown == 4 * (step + 1))
        }
        let expected: [(Float, Float)] = [(4, 1), (4, 1), (8, 0), (8, 0.5), (8, 1), (8, 1), (16, 0), (16, 0.5), (16, 1), (16, 1), (16, 1)]
        #expect(seen.map(\.side) == expected.map(\.0))
        #expect(seen.map(\.alpha) == expected.map(\.1))
        // Samples are full size whatever the depth.
        #expect(model.generate(model.latents(count: 2, seed: 1)).shape == [2, 1, 16, 16])
    }

    /// The optimiser state of every parameter, by name: Adam's step count, or nil when it has none.
    static func adamSteps(_ optimizer: Optimizer, _ module: Module) -> [String: Float?] {
        let state = optimizer.stateDict()
        return Dictionary(uniqueKeysWithValues: module.namedParameters().enumerated().map { i, named in
            (named.name, state["state.\(i).step"]?.item)
        })
    }

    /// Levels not yet grown get no gradient: their weights and Adam state stay untouched (no
    /// moments at all), where a zero gradient would have decayed moments and advanced the bias
    /// correction. In a stabilising phase the `to_rgb`/`from_rgb` below is out of use again.
    @Test func levelsNotInUseKeepTheirOptimizerState() throws {
        let model = try Self.model(phaseImages: 12)   // batch 4: steps 0–2 depth 0, 3–5 fade 1, 6–8 depth 1
        var rng = RandomGenerator(seed: 4)
        let real = Tensor.randomUniform([4, 1, 16, 16], using: &rng) * 2 - 1
        let initialG = model.generator.stateDict(), initialD = model.discriminator.stateDict()
        func run(_ steps: Range<Int>) throws {
            for step in steps {
                let context = StepContext(step: step, totalSteps: 9, measure: false, rng: rng,
                                          source: StepParityTests.FixedBatches([real]))
                _ = try model.trainingStep(context)
                rng = context.rng
            }
        }
        func unchanged(_ prefixes: [String], _ module: Module, _ initial: StateDict) -> Bool {
            module.stateDict().filter { e in prefixes.contains { e.name.hasPrefix($0) } }
                .allSatisfy { $0.tensor.scalars == initial[$0.name]!.scalars }
        }

        try run(0..<3)
        var g = Self.adamSteps(model.generatorOptimizer, model.generator)
        var d = Self.adamSteps(model.discriminatorOptimizer, model.discriminator)
        for (name, steps) in g { #expect(steps == (name.hasPrefix("blocks.0.") || name.hasPrefix("to_rgb.0.") ? 3 : nil), "G \(name)") }
        for (name, steps) in d { #expect(steps == (name.hasPrefix("blocks.0.") || name.hasPrefix("from_rgb.0.") ? 3 : nil), "D \(name)") }
        #expect(unchanged(["blocks.1.", "blocks.2.", "to_rgb.1.", "to_rgb.2."], model.generator, initialG))
        #expect(unchanged(["blocks.1.", "blocks.2.", "from_rgb.1.", "from_rgb.2."], model.discriminator, initialD))
        #expect(!unchanged(["blocks.0.", "to_rgb.0."], model.generator, initialG))

        try run(3..<9)   // the fade of level 1 (to_rgb.0 and from_rgb.0 in use), then its stabilising phase
        g = Self.adamSteps(model.generatorOptimizer, model.generator)
        d = Self.adamSteps(model.discriminatorOptimizer, model.discriminator)
        #expect(g["blocks.0.conv.weight"] == 9 && g["blocks.1.conv1.weight"] == 6 && g["to_rgb.1.weight"] == 6)
        #expect(g["to_rgb.0.weight"] == 6, "to_rgb.0 is out of use once level 1 is faded in")
        #expect(d["from_rgb.0.bias"] == 6 && d["from_rgb.1.bias"] == 6 && d["blocks.1.conv0.weight"] == 6)
        #expect(g["blocks.2.conv0.weight"] == .some(nil) && d["from_rgb.2.weight"] == .some(nil))
        #expect(unchanged(["blocks.2.", "to_rgb.2."], model.generator, initialG))
        #expect(unchanged(["blocks.2.", "from_rgb.2."], model.discriminator, initialD))
        // The EMA of a weight that never moves is that weight, bit for bit.
        let average = try #require(model.ema).average.stateDict()
        #expect(average["blocks.2.conv1.weight"]!.scalars == initialG["blocks.2.conv1.weight"]!.scalars)
    }

    /// The trainer writes `samples/phase-SxS.png` at the end of each level's stabilising phase;
    /// `gan sample` on the run grows to the checkpoint's depth and α; a checkpoint whose growth
    /// disagrees with the schedule is refused.
    @Test func namedPicturesAndTheGrowthInTheCheckpoint() throws {
        let network = ProGANNetworkSettings(channels: 1, bottomSide: 4, levelChannels: [4, 4], latentDimension: 4)
        var config = Self.config(phaseImages: 16, network: network)
        let data = tinyImages(count: 32, side: 8)
        try config.adapt(to: [data])
        let folder = temporaryRunFolder("progan-phases")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        // Batch 8: level 0 ends after step 2; level 1 fades in over steps 3–4 and stabilises over
        // 5–6. Stop after step 3, mid-fade.
        let run = RunSettings(family: "progan", preset: "test", data: try DataSpec(parsing: "toy:ring8"), seed: 5,
                              batchSize: 8, steps: 3, logEvery: 100, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 1)
        try folder.create()
        try folder.writeConfig(run: run, model: config)
        let trainer = try Trainer(run: run, model: config, datasets: [data], folder: folder)
        _ = try trainer.train()
        let samples = folder.samplesURL
        #expect(FileManager.default.fileExists(atPath: samples.appendingPathComponent("phase-4x4.png").path))
        #expect(!FileManager.default.fileExists(atPath: samples.appendingPathComponent("phase-8x8.png").path))
        // The phase picture also goes to TensorBoard, under its own tag at the step that ended the phase.
        let events = try TensorBoardWriter.eventFiles(in: folder.tensorboardURL).flatMap { try TensorBoardWriter.events(in: $0) }
        let pictures = events.flatMap { event -> [(String, Int, [UInt8])] in
            guard case .summary(let values) = event.kind else { return [] }
            return values.compactMap { value in
                if case .image(let png, _, _, _) = value.content, value.tag != TensorBoardWriter.samplesTag {
                    return (value.tag, event.step, png)
                }
                return nil
            }
        }
        #expect(pictures.map { "\($0.0)@\($0.1)" } == ["phase/4x4@2"])
        #expect(pictures.first?.2 == [UInt8](try Data(contentsOf: samples.appendingPathComponent("phase-4x4.png"))))
        let trained = try #require(trainer.model as? ProGANModel)
        #expect(trained.growth == ProGANGrowth(depth: 1, alpha: 0.5))   // 24 images: 8 into the fade of 16

        let sampled = try #require(try TrainedRun(path: folder.url.path).latentModel(for: "sample") as? ProGANModel)
        #expect(sampled.imagesShown == 24 && sampled.growth == trained.growth)
        let z = trained.latents(count: 4, seed: 2)
        #expect(sampled.generate(z).scalars == trained.generate(z).scalars)

        var state = trained.stateDict()
        state["progan.alpha"] = Tensor(Float(0.25))
        #expect(throws: ModelError.self) { try sampled.load(stateDict: state, source: "test") }
        state.remove("progan.alpha")
        #expect(throws: CheckpointError.self) { try sampled.load(stateDict: state, source: "test") }
        #expect(sampled.growth == trained.growth)
    }

    /// The presets: sides, and G near dcgan28's cost for grey28.
    @Test func presets() throws {
        #expect(ProGANNetworkSettings.grey28.imageSize == 28 && ProGANNetworkSettings.grey28.levels == 2)
        #expect(ProGANNetworkSettings.colour32.imageSize == 32 && ProGANNetworkSettings.colour64.imageSize == 64)
        #expect(ProGANNetworkSettings.grey28.generatorMultiplyAdds(depth: 2) / 1_000_000 == 29)
        var rng = RandomGenerator(seed: 6)
        let g = ProGANGenerator(settings: .grey28, using: &rng)
        let z = Tensor.randomNormal([2, 128], using: &rng)
        #expect(withoutGradients { g(z, growth: ProGANGrowth(depth: 2)) }.shape == [2, 1, 28, 28])
        let d = ProGANDiscriminator(settings: .grey28, using: &rng)
        #expect(withoutGradients { d(Tensor.zeros([6, 1, 14, 14]), growth: ProGANGrowth(depth: 1, alpha: 0.3)) }.shape == [6, 1])
        #expect(throws: ModelError.self) { try ProGANNetworkSettings(channels: 2, bottomSide: 4, levelChannels: [4]).validate() }
    }
}
