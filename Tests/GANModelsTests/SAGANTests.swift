import Foundation
import GANData
import GANLayers
import GANTensor
import Testing
@testable import GANModels

/// The largest singular value of `m` `[rows, columns]` by 500 power iterations on `mᵀm` from a
/// fixed start (converges to float precision for the small matrices of the tests).
func largestSingularValue(_ m: Tensor) -> Float {
    withoutGradients {
        var rng = RandomGenerator(seed: 1)
        var v = Tensor.randomNormal([m.shape[1], 1], using: &rng)
        for _ in 0..<500 {
            let w = m.transposed().matmul(m.matmul(v))
            v = w / w.l2Norm().item
        }
        return m.matmul(v).l2Norm().item
    }
}

/// Every spectrally normalised weight of `module` with its largest singular value.
func spectralNorms(_ module: Module) -> [(name: String, sigma: Float)] {
    module.namedModules().compactMap { name, m in
        (m as? any SpectralNormWrapper).map { (name, largestSingularValue($0.normalizedMatrix)) }
    }
}

@Suite struct SAGANTests {
    func smallConfig() -> SAGANConfig {
        var c = SAGANConfig.grey28
        c.network = SAGANNetworkSettings(channels: 1, imageSize: 16, latentDimension: 8, generatorWidth: 4,
                                         discriminatorWidth: 4, attentionSide: 8)
        return c
    }

    func trainedModel(steps: Int) throws -> AdversarialModel {
        let folder = temporaryRunFolder("sagan-sn")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        var config = smallConfig()
        let data = tinyImages(count: 64, side: 16)
        try config.adapt(to: [data])
        let run = RunSettings(family: "sagan", preset: "test", data: try DataSpec(parsing: "toy:ring8"), seed: 3,
                              batchSize: 16, steps: steps, logEvery: 100, sampleEvery: 1000, checkpointEvery: 1000,
                              keepCheckpoints: 1)
        try folder.create()
        try folder.writeConfig(run: run, model: config)
        let trainer = try Trainer(run: run, model: config, datasets: [data], folder: folder)
        _ = try trainer.train()
        return try #require(trainer.model as? AdversarialModel)
    }

    /// After training, every spectrally normalised weight of G and D (convolutions, linear maps,
    /// the attention's 1×1 convolutions, the projection embedding) has its largest singular value
    /// within 5% of 1: the persistent power iteration tracks σ as the weights move.
    @Test func spectralNormKeepsEveryWeightNearOne() throws {
        let model = try trainedModel(steps: 60)
        let norms = spectralNorms(model.generator) + spectralNorms(model.discriminator)
        // G: fc, 2 ups, out, 3 attention convs; D: 2 downs, fc, embed, 3 attention convs.
        #expect(norms.count == 14)
        for (name, sigma) in norms {
            #expect(abs(sigma - 1) <= 0.05, "\(name): largest singular value \(sigma)")
        }
        // Without normalisation the same weights are far from 1 (the check above is not vacuous).
        let raw = model.discriminator.namedParameters().filter { $0.name.hasSuffix("weight_orig") && $0.parameter.value.rank >= 2 }
        #expect(raw.contains { abs(largestSingularValue($0.parameter.value.reshaped([$0.parameter.shape[0], -1])) - 1) > 0.05 })
    }

    /// Truncation: every entry ends inside the threshold, entries already inside are kept, and
    /// from 2 down to 0.25 the per-pixel variance over 256 samples of a trained G falls at each step.
    @Test func truncationNarrowsTheSamples() throws {
        let model = try trainedModel(steps: 30)
        let z = model.latents(count: 256, seed: 5)
        var variances: [Float] = []
        for threshold: Float in [2, 1, 0.5, 0.25] {
            let t = model.truncatedLatents(count: 256, threshold: threshold, seed: 5)
            #expect(t.abs().max().item <= threshold)
            let inside = zip(z.scalars, t.scalars).filter { abs($0.0) <= threshold }
            #expect(!inside.isEmpty && inside.allSatisfy { $0.0 == $0.1 })
            #expect(zip(z.scalars, t.scalars).contains { abs($0.0) > threshold && $0.0 != $0.1 })
            variances.append(model.generate(t, labels: (0..<256).map { $0 % 2 }).variance(axes: [0]).mean().item)
        }
        #expect(zip(variances, variances.dropFirst()).allSatisfy { $0 > $1 }, "variances \(variances)")
    }

    /// Conditional SAGAN: the label changes G's images (conditional BN) and D's score (projection).
    @Test func labelsConditionBothNetworks() throws {
        var config = smallConfig()
        try config.adapt(to: [tinyImages(count: 8, side: 16)])
        #expect(config.network.classCount == 2)
        var rng = RandomGenerator(seed: 4)
        let model = try #require(try config.makeModel(using: &rng) as? AdversarialModel)
        // Give each class its own gains and embedding row, as training does.
        for (name, p) in model.generator.namedParameters() where name.hasSuffix("gain.weight") {
            p.value = Tensor.randomUniform(p.shape, lower: 0.5, upper: 1.5, using: &rng)
        }
        let z = model.latents(count: 4, seed: 1)
        let a = model.generate(z, labels: [0, 0, 0, 0]), b = model.generate(z, labels: [1, 1, 1, 1])
        #expect((a - b).abs().max().item > 1e-3)
        model.discriminator.eval()
        let x = tinyImages(count: 4, side: 16).samples(at: [0, 1, 2, 3])
        let d0 = model.discriminator.score(x, labels: [0, 0, 0, 0]), d1 = model.discriminator.score(x, labels: [1, 1, 1, 1])
        #expect((d0 - d1).abs().max().item > 1e-4)
    }

    /// `--unconditional` ignores labels; unlabelled data gives an unconditional model.
    @Test func unconditionalWhenAskedOrUnlabelled() throws {
        var config = smallConfig()
        try config.apply(FamilyOptionValues(arguments: ["--unconditional"], family: SAGANFamily.self))
        try config.adapt(to: [tinyImages(count: 8, side: 16)])
        #expect(config.network.classCount == 0)
        var rng = RandomGenerator(seed: 4)
        let model = try #require(try config.makeModel(using: &rng) as? AdversarialModel)
        #expect(!model.discriminator.namedParameters().contains { $0.name.hasPrefix("embed") })
        #expect(model.generate(model.latents(count: 2, seed: 1), labels: nil).shape == [2, 1, 16, 16])
    }

    /// The attention map: one softmax row per query position over every key position.
    @Test func attentionMapRowsAreDistributions() throws {
        var config = smallConfig()
        try config.adapt(to: [tinyImages(count: 8, side: 16)])
        var rng = RandomGenerator(seed: 4)
        let model = try #require(try config.makeModel(using: &rng) as? AdversarialModel)
        let g = try #require(model.generator as? any AttentionGenerator)
        let map = try #require(g.attentionMap(model.latents(count: 3, seed: 2), labels: [0, 1, 0]))
        #expect(map.weights.shape == [3, 64, 64] && map.querySide == 8 && map.keySide == 8)
        let sums = map.weights.sum(axis: 2)
        #expect((sums - 1).abs().max().item < 1e-5)
    }

    /// `--sn-iterations K` reaches every spectrally normalised layer of both families' G, D and
    /// EMA copy (BigGAN's conditional-BN maps and attention included), and a training forward
    /// then runs K steps: `u` moves as K manual steps move it. Old configs keep 1.
    @Test func powerIterationsReachEveryLayer() throws {
        var sagan = smallConfig()
        try sagan.apply(FamilyOptionValues(arguments: ["--sn-iterations", "3", "--ema-images", "100"], family: SAGANFamily.self))
        try sagan.adapt(to: [tinyImages(count: 8, side: 16)])
        var biggan = BigGANConfig.grey28
        biggan.network = tinyBigGAN()
        try biggan.apply(FamilyOptionValues(arguments: ["--sn-iterations", "3"], family: BigGANFamily.self))
        for config in [sagan, biggan] as [any ModelConfiguration] {
            var rng = RandomGenerator(seed: 4)
            let model = try #require(try config.makeModel(using: &rng) as? AdversarialModel)
            let modules = [model.generator, model.discriminator, try #require(model.ema).average]
            let wrappers = modules.flatMap { $0.namedModules().compactMap { $0.module as? any SpectralNormWrapper } }
            #expect(wrappers.count > 10 && wrappers.allSatisfy { $0.powerIterations == 3 })
        }
        var rng = RandomGenerator(seed: 5)
        let layer = SpectralNorm(Linear(inputFeatures: 6, outputFeatures: 5, using: &rng), using: &rng)
        let manual = SpectralNorm(Linear(inputFeatures: 6, outputFeatures: 5, using: &rng), using: &rng)
        manual.copyState(from: layer)
        layer.powerIterations = 3
        _ = layer(Tensor.randomNormal([2, 6], using: &rng))
        manual.iteratePowerMethod(3)
        #expect(layer.u.value.scalars == manual.u.value.scalars)
        manual.iteratePowerMethod(1)
        #expect(layer.u.value.scalars != manual.u.value.scalars)
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(SAGANNetworkSettings.grey28)) as! [String: Any]
        old["powerIterations"] = nil
        #expect(try JSONDecoder().decode(SAGANNetworkSettings.self, from: JSONSerialization.data(withJSONObject: old)).powerIterations == nil)
        var zero = SAGANNetworkSettings.grey28
        zero.powerIterations = 0
        #expect(throws: ModelError.self) { try zero.validate() }
    }

    /// Sides that cannot be built are refused with the sides that can.
    @Test func badAttentionSideIsRefused() {
        var settings = SAGANNetworkSettings.grey28
        settings.attentionSide = 28
        #expect(throws: ModelError.self) { try settings.validate() }
        settings.attentionSide = 14
        settings.imageSize = 24
        #expect(throws: ModelError.self) { try settings.validate() }
    }
}
