import Foundation
import GANData
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// The moving average of G by a half-life in images shown (ProGAN, StyleGAN, BigGAN, and SAGAN on
/// request): the decay a step applies, the options, and config.json files written with a fixed
/// decay.
@Suite struct EMAScheduleTests {
    @Test func decayFollowsTheBatchAndRampsUp() throws {
        let schedule = EMASchedule(fixedDecay: nil, halfLifeImages: 10_000, rampUp: nil)
        #expect(abs(schedule.decay(batch: 64, imagesShown: 0) - 0.995573) < 1e-6)
        #expect(abs(pow(schedule.decay(batch: 16, imagesShown: 0), 625) - 0.5) < 1e-5, "625 batches of 16 are one half-life")
        #expect(EMASchedule(fixedDecay: 0.999, halfLifeImages: 10_000, rampUp: 0.05).decay(batch: 64, imagesShown: 0) == 0.999)
        #expect(throws: ModelError.self) { try EMASchedule(fixedDecay: nil, halfLifeImages: 0, rampUp: nil).check() }
        // StyleGAN2-ADA's ramp-up: the half-life is at most 5% of the images shown before the batch.
        let ramped = EMASchedule(fixedDecay: nil, halfLifeImages: 10_000, rampUp: 0.05)
        #expect(ramped.decay(batch: 64, imagesShown: 0) == 0, "the first update copies G")
        #expect(abs(ramped.decay(batch: 64, imagesShown: 64_000) - Float(pow(0.5, 64.0 / 3200))) < 1e-7)
        #expect(ramped.decay(batch: 64, imagesShown: 400_000) == schedule.decay(batch: 64, imagesShown: 0))
    }

    /// Every parameter of `average` is `decay`·(G's value before the step) + (1 − decay)·(after),
    /// and the step moved some of G.
    func expectAverage(of generator: Module, movedFrom before: [String: Tensor], to average: Module,
                       decay beta: Float) throws {
        let averaged = Dictionary(uniqueKeysWithValues: average.namedParameters().map { ($0.0, $0.1.value) })
        var moved = 0
        for (name, p) in generator.namedParameters() {
            let expected = beta * before[name]! + (1 - beta) * p.value
            #expect(relativeError(averaged[name]!, expected) <= 1e-5, "\(name)")
            if (p.value - before[name]!).abs().max().item > 0 { moved += 1 }
        }
        #expect(moved > 0)
    }

    /// One ProGAN step at batch 4 moves the average by 1 − 0.5^(4/N) of the way to G.
    @Test func proganStepUsesTheHalfLife() throws {
        var config = ProGANTests.config(phaseImages: 8)
        config.emaHalfLifeImages = 20
        config.emaRampUp = nil
        var rng = RandomGenerator(seed: 3)
        let model = try #require(try config.makeModel(using: &rng) as? ProGANModel)
        let before = Dictionary(uniqueKeysWithValues: model.generator.namedParameters().map { ($0.0, $0.1.value) })
        let real = Tensor.randomUniform([4, 1, 16, 16], using: &rng) * 2 - 1
        _ = try model.trainingStep(StepContext(step: 0, totalSteps: 1, measure: false, rng: rng,
                                               source: StepParityTests.FixedBatches([real])))
        try expectAverage(of: model.generator, movedFrom: before, to: try #require(model.ema).average,
                          decay: Float(pow(0.5, 4.0 / 20)))
    }

    /// A BigGAN step at step 50, batch 4: 200 images shown before it ramp the half-life of 20
    /// down to 10, so the average moves by 1 − 0.5^(4/10) of the way to G.
    @Test func bigganStepUsesTheRampedHalfLife() throws {
        var config = BigGANConfig.grey28
        config.network = tinyBigGAN()
        (config.emaHalfLifeImages, config.emaRampUp, config.emaStart) = (20, 0.05, 0)
        var rng = RandomGenerator(seed: 4)
        let model = try #require(try config.makeModel(using: &rng) as? AdversarialModel)
        let before = Dictionary(uniqueKeysWithValues: model.generator.namedParameters().map { ($0.0, $0.1.value) })
        let real = Tensor.randomUniform([4, 1, 16, 16], using: &rng) * 2 - 1
        let batch = Batch(samples: real, labels: [0, 1, 0, 1], indices: Array(0..<4), epoch: 0, index: 0)
        _ = try model.trainingStep(StepContext(step: 50, totalSteps: 51, measure: false, rng: rng,
                                               source: StepParityTests.FixedBatches(batches: [batch])))
        try expectAverage(of: model.generator, movedFrom: before, to: try #require(model.ema).average,
                          decay: Float(pow(0.5, 4.0 / 10)))
    }

    /// SAGAN has no average unless asked for; `--ema-images` gives it the ramped half-life. A
    /// BigGAN config.json from before the half-life keeps its fixed 0.999.
    @Test func saganAndBigGANOptions() throws {
        var sagan = SAGANConfig.grey28
        #expect(!sagan.emaSchedule.isOn)
        try sagan.apply(try FamilyOptionValues(arguments: ["--ema-images", "5000"], family: SAGANFamily.self))
        #expect(sagan.emaSchedule == EMASchedule(halfLifeImages: 5000, rampUp: 0.05))
        try sagan.apply(try FamilyOptionValues(arguments: ["--ema", "0.999"], family: SAGANFamily.self))
        #expect(sagan.emaSchedule == EMASchedule(fixedDecay: 0.999))
        #expect(BigGANConfig.grey28.emaSchedule == EMASchedule(halfLifeImages: 10_000, rampUp: 0.05))
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(BigGANConfig.grey28)) as! [String: Any]
        old["emaHalfLifeImages"] = nil
        old["emaRampUp"] = nil
        old["emaDecay"] = 0.999
        let decoded = try JSONDecoder().decode(BigGANConfig.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.emaSchedule == EMASchedule(fixedDecay: 0.999))
    }

    @Test func optionsAndOldConfigs() throws {
        var config = StyleGANConfig.grey28
        #expect(config.emaDecay == nil && config.emaHalfLifeImages == 10_000 && config.emaRampUp == 0.05)
        try config.apply(try FamilyOptionValues(arguments: ["--ema", "0.99"], family: StyleGANFamily.self))
        #expect(config.emaDecay == 0.99 && config.emaHalfLifeImages == nil && config.emaRampUp == nil)
        try config.apply(try FamilyOptionValues(arguments: ["--ema-images", "5000"], family: StyleGANFamily.self))
        #expect(config.emaDecay == nil && config.emaHalfLifeImages == 5000)
        #expect(throws: ModelError.self) {
            try config.apply(try FamilyOptionValues(arguments: ["--ema", "0.99", "--ema-images", "5000"], family: StyleGANFamily.self))
        }
        // A config.json written before the half-life keeps its fixed decay, so it resumes as it trained.
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(ProGANConfig.grey28)) as! [String: Any]
        old["emaHalfLifeImages"] = nil
        old["emaRampUp"] = nil
        old["emaDecay"] = 0.999
        let decoded = try JSONDecoder().decode(ProGANConfig.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.emaDecay == 0.999 && decoded.emaHalfLifeImages == nil && decoded.emaSchedule.decay(batch: 64, imagesShown: 6400) == 0.999)
    }
}
