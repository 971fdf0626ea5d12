import Foundation
import GANTensor
import Testing
@testable import GANModels

@Suite struct FamilyOptionTests {
    @Test func anOptionOfAnotherFamilyIsRefusedNamingThatFamily() throws {
        #expect(throws: ModelError.invalidOption("--clip does not apply to family 'dcgan'; it is an option of wgan")) {
            _ = try FamilyOptionValues(arguments: ["--clip", "0.02"], family: DCGANFamily.self)
        }
        #expect(throws: ModelError.invalidOption("--loss does not apply to family 'wgan-gp'; it is an option of gan, dcgan, cgan, cogan, sagan")) {
            _ = try FamilyOptionValues(arguments: ["--loss", "hinge"], family: WGANGPFamily.self)
        }
        #expect(throws: ModelError.self) { _ = try FamilyOptionValues(arguments: ["--no-such", "1"], family: GANFamily.self) }
        #expect(throws: ModelError.self) { _ = try FamilyOptionValues(arguments: ["--lr"], family: GANFamily.self) }
        #expect(throws: ModelError.self) { _ = try FamilyOptionValues(arguments: ["--lr", "1", "--lr", "2"], family: GANFamily.self) }
    }

    @Test func valuesReachTheConfigAndAreChecked() throws {
        var wgan = WGANConfig.dcgan28
        try wgan.apply(try FamilyOptionValues(arguments: ["--clip=0.05", "--n-critic", "3", "--lr-d", "3e-4", "--lr-g", "1e-4"],
                                              family: WGANFamily.self))
        #expect(wgan.clip == 0.05 && wgan.criticSteps == 3)
        #expect(wgan.criticOptimizer.learningRate == 3e-4 && wgan.generatorOptimizer.learningRate == 1e-4)
        var cycle = CycleGANConfig.grey28
        try cycle.apply(try FamilyOptionValues(arguments: ["--lr", "1e-3", "--lr-d", "5e-4", "--pool-size", "0"], family: CycleGANFamily.self))
        #expect(cycle.generatorOptimizer.learningRate == 1e-3 && cycle.discriminatorOptimizer.learningRate == 5e-4)
        #expect(cycle.poolSize == 0)
        var gp = WGANGPConfig.dcgan28
        #expect(throws: ModelError.self) { try gp.apply(try FamilyOptionValues(arguments: ["--gp-weight", "-1"], family: WGANGPFamily.self)) }
        #expect(throws: ModelError.self) { try gp.apply(try FamilyOptionValues(arguments: ["--ema", "1.5"], family: WGANGPFamily.self)) }
    }

    /// Every option a family declares is applied: each changes the config it is given to.
    @Test(arguments: Families.all.map { $0.name })
    func everyDeclaredOptionChangesTheConfig(family name: String) throws {
        let family = try Families.named(name)
        // A value no family has as its default ("" for a flag).
        let values = ["loss": "least-squares", "n-critic": "3", "lr": "0.00123", "lr-g": "0.00123", "lr-d": "0.00123",
                      "latent-dim": "7", "ema": "0.95", "ema-images": "5000", "clip": "0.033", "gp-weight": "3.5", "cycle-weight": "4.5",
                      "identity-weight": "0.25", "pool-size": "7", "unconditional": "", "ortho": "0.5", "ema-start": "77", "sn-iterations": "3",
                      "width": "8", "phase-images": "777", "drift": "0.002",
                      "r1-gamma": "2.5", "mixing": "0.3", "variant": "2", "pl-weight": "3"]
        // Options that apply only beside another (StyleGAN2's path length needs --variant 2).
        let companions = ["pl-weight": ["--variant", "2"]]
        for option in family.options {
            var base = try Families.preset(family.defaultPreset(forToyData: false), of: family)
            if let companion = companions[option.name] { try base.apply(try FamilyOptionValues(arguments: companion, family: family)) }
            var changed = base
            let value = try #require(values[option.name], "no test value for --\(option.name)")
            let arguments = (option.valueName == nil ? ["--\(option.name)"] : ["--\(option.name)", value]) + (companions[option.name] ?? [])
            try changed.apply(try FamilyOptionValues(arguments: arguments, family: family))
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            #expect(try encoder.encode(AnyConfig(base)) != encoder.encode(AnyConfig(changed)), "\(name): --\(option.name) changed nothing")
        }
    }

    @Test func linearDecayFromAFraction() {
        let schedule = LearningRateSchedule.linear(start: 0.5)
        #expect(schedule.factor(step: 0, total: 100) == 1 && schedule.factor(step: 50, total: 100) == 1)
        #expect(schedule.factor(step: 75, total: 100) == 0.5)
        #expect(LearningRateSchedule.linear(start: 0).factor(step: 25, total: 100) == 1 - Float(25) / Float(100))
        #expect(LearningRateSchedule.constant.factor(step: 99, total: 100) == 1)
    }
}

/// Encodes any config through its own `Codable`.
private struct AnyConfig: Encodable {
    let config: any ModelConfiguration
    init(_ config: any ModelConfiguration) { self.config = config }
    func encode(to encoder: Encoder) throws { try config.encode(to: encoder) }
}
