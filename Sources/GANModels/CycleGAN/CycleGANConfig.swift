import Foundation
import GANData
import GANTensor

/// CycleGAN (Zhu et al. 2017): unpaired translation between two domains with two generators,
/// two PatchGAN discriminators, the least-squares loss, cycle consistency λ = 10, identity
/// 0.5·λ, pools of the 50 latest fakes, Adam 2e-4 β₁ 0.5, constant learning rate for the first
/// half of the run and linear decay to 0 over the second (see `CycleGANModel` for the step).
public struct CycleGANConfig: ModelConfiguration, Equatable {
    public var network: CycleGANNetworkSettings
    /// λ of the cycle-consistency loss.
    public var cycleWeight: Float
    /// The identity loss weight, as a fraction of λ.
    public var identityWeight: Float
    /// Generated images kept per discriminator (0: none).
    public var poolSize: Int
    public var generatorOptimizer: OptimizerSettings
    public var discriminatorOptimizer: OptimizerSettings

    static func make(_ network: CycleGANNetworkSettings) -> CycleGANConfig {
        CycleGANConfig(network: network, cycleWeight: 10, identityWeight: 0.5, poolSize: 50,
                       generatorOptimizer: .adam(2e-4, 0.5, 0.999), discriminatorOptimizer: .adam(2e-4, 0.5, 0.999))
    }

    /// The networks' presets (`CycleGANNetworkSettings.grey28`, …) with the paper's training.
    public static let grey28 = make(.grey28)
    public static let colour32 = make(.colour32)
    public static let colour64 = make(.colour64)

    public mutating func apply(_ options: FamilyOptionValues) throws {
        try options.applyLearningRates(generator: &generatorOptimizer, discriminator: &discriminatorOptimizer)
        if let w = try options.float("cycle-weight", "non-negative", { $0 >= 0 }) { cycleWeight = w }
        if let w = try options.float("identity-weight", "non-negative", { $0 >= 0 }) { identityWeight = w }
        if let n = try options.int("pool-size", "0 or more", { $0 >= 0 }) { poolSize = n }
    }

    public var dataRequirements: DataRequirements {
        DataRequirements(imageSize: network.imageSize, channels: network.channels)
    }

    public mutating func adapt(to data: [Dataset]) throws {
        try requireTwoDomains(data, of: network.imageShape, family: "cyclegan")
    }

    public func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel {
        try network.validate()
        return CycleGANModel(config: self, using: &rng)
    }

    public var batchesPerStep: Int { 1 }

    public var summaryLines: [String] {
        ["networks: \(network.summary)",
         "loss: least squares + \(cycleWeight) × cycle + \(cycleWeight * identityWeight) × identity; pool of \(poolSize)",
         "optimisers: G \(generatorOptimizer.summary), D \(discriminatorOptimizer.summary)"]
    }
}

/// The `cyclegan` family.
public enum CycleGANFamily: Family {
    public static let name = "cyclegan"
    public static let summary = "CycleGAN: unpaired translation A ↔ B, ResNet G, PatchGAN D, least squares, cycle λ=10, identity 0.5λ"
    public static var presets: [Preset] {
        [Preset("grey28", "28×28 grey (Fashion-MNIST classes): ngf 32, 3 blocks, 2-layer PatchGAN") { CycleGANConfig.grey28 },
         Preset("colour32", "32×32 colour (emoji): ngf 32, 4 blocks, 2-layer PatchGAN") { CycleGANConfig.colour32 },
         Preset("colour64", "64×64 colour: the paper's resnet_6blocks and 70×70 PatchGAN (slow on a CPU)") { CycleGANConfig.colour64 }]
    }
    public static func defaultPreset(forToyData: Bool) -> String { "grey28" }
    public static var options: [FamilyOption] {
        FamilyOption.learningRates + [
            FamilyOption("cycle-weight", "λ", "cyclegan: the cycle-consistency weight λ (default 10)"),
            FamilyOption("identity-weight", "W", "cyclegan: the identity loss weight as a fraction of λ (default 0.5; 0: none)"),
            FamilyOption("pool-size", "N", "cyclegan: generated images kept per discriminator (default 50; 0: none)"),
        ]
    }
    public static var domainCount: Int { 2 }
    public static var defaultBatchSize: Int? { 4 }
    public static var defaultSchedule: LearningRateSchedule? { .linear(start: 0.5) }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(CycleGANConfig.self, from: data, family: name)
    }
}
