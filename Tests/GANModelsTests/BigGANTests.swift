import Foundation
import GANData
import GANLayers
import GANTensor
import Testing
@testable import GANModels

/// BigGAN small enough for a test: 16×16 grey, G 4 → 8 → 16 with attention at 8, D 16 → 8 → 4, 4.
func tinyBigGAN() -> BigGANNetworkSettings {
    BigGANNetworkSettings(channels: 1, imageSize: 16, width: 4, latentDimension: 12, sharedDimension: 4, classCount: 2,
                          generatorMultipliers: [4, 4, 2], bottomWidth: 4, generatorAttention: 8,
                          discriminatorMultipliers: [2, 4, 4], discriminatorDownsample: [true, true, false],
                          discriminatorAttention: 8)
}

@Suite struct BigGANTests {
    func train(_ config: BigGANConfig, steps: Int, data: Dataset = tinyImages(count: 64, side: 16)) throws -> AdversarialModel {
        let folder = temporaryRunFolder("biggan")
        defer { try? FileManager.default.removeItem(at: folder.url) }
        var config = config
        try config.adapt(to: [data])
        let run = RunSettings(family: "biggan", preset: "test", data: try DataSpec(parsing: "toy:ring8"), seed: 3,
                              batchSize: 16, steps: steps, logEvery: 100, sampleEvery: 1000, checkpointEvery: 1000,
                              keepCheckpoints: 1)
        try folder.create()
        try folder.writeConfig(run: run, model: config)
        let trainer = try Trainer(run: run, model: config, datasets: [data], folder: folder)
        _ = try trainer.train()
        return try #require(trainer.model as? AdversarialModel)
    }

    func tinyConfig(emaStart: Int = 1000) -> BigGANConfig {
        var c = BigGANConfig.grey28
        c.network = tinyBigGAN()
        c.emaStart = emaStart
        return c
    }

    /// Before `emaStart` the EMA's weights are G's; from it on, an average that lags G. (Its
    /// spectral-norm vectors are its own, iterated on its weights.)
    @Test func emaCopiesGeneratorUntilItsStart() throws {
        func emaMatchesGenerator(_ model: AdversarialModel) throws -> Bool {
            let e = Dictionary(uniqueKeysWithValues: try #require(model.ema).average.namedParameters().map { ($0.name, $0.parameter) })
            return model.generator.namedParameters().allSatisfy { name, p in e[name]!.value.scalars == p.value.scalars }
        }
        #expect(try emaMatchesGenerator(try train(tinyConfig(emaStart: 5), steps: 5)))
        #expect(try !emaMatchesGenerator(try train(tinyConfig(emaStart: 3), steps: 5)))
    }

    /// Every spectrally normalised weight of G and D has its largest singular value within 5% of
    /// 1 after training (G's shared embedding is not normalised, as in BigGAN).
    @Test func spectralNormKeepsEveryWeightNearOne() throws {
        let model = try train(tinyConfig(emaStart: 10), steps: 40)
        let norms = spectralNorms(model.generator) + spectralNorms(model.discriminator)
        // The EMA copy, which samples, normalises its averaged weights with vectors of its own.
        let average = try #require(model.ema).average
        for (name, sigma) in spectralNorms(average) {
            #expect(abs(sigma - 1) <= 0.05, "ema.\(name): largest singular value \(sigma)")
        }
        // G: linear, 2 blocks × (conv1, conv2, conv_sc, 2 CBN × gain, bias), 4 attention, output_conv;
        // D: 3 blocks × 2 convs + 3 shortcuts (the last block keeps side and width: none), 4 attention, linear, embed.
        #expect(norms.count == 1 + 2 * 7 + 4 + 1 + (6 + 2) + 4 + 2)
        for (name, sigma) in norms {
            #expect(abs(sigma - 1) <= 0.05, "\(name): largest singular value \(sigma)")
        }
        #expect(!model.generator.namedParameters().contains { $0.name == "shared.weight_orig" })
    }

    /// Unlabelled data trains with one class and samples without labels.
    @Test func unlabelledDataHasOneClass() throws {
        var config = tinyConfig()
        let data = tinyImages(count: 16, side: 16)
        try config.adapt(to: [Dataset(name: "plain", values: .floats(data.allSamples().scalars), sampleShape: [1, 16, 16])])
        #expect(config.network.classCount == 1)
        var rng = RandomGenerator(seed: 2)
        let model = try #require(try config.makeModel(using: &rng) as? AdversarialModel)
        #expect(model.classCount == 0)
        #expect(model.generate(model.latents(count: 2, seed: 1), labels: nil).shape == [2, 1, 16, 16])
    }

    /// The latent must split into one chunk per block plus one.
    @Test func unevenLatentIsRefused() throws {
        var config = tinyConfig()
        try config.apply(FamilyOptionValues(arguments: ["--latent-dim", "13"], family: BigGANFamily.self))
        var rng = RandomGenerator(seed: 2)
        #expect(throws: ModelError.self) { try config.makeModel(using: &rng) }
    }
}
