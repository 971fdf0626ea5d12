import Foundation
import GANData
import GANTensor

/// The sizes of CycleGAN's networks.
public struct CycleGANNetworkSettings: Codable, Equatable, Sendable {
    /// Image channels of both domains (1 grey, 3 colour).
    public var channels: Int
    /// Image side of both domains (a multiple of 4).
    public var imageSize: Int
    /// `ngf`: channels after the first convolution (4·ngf in the residual blocks).
    public var generatorWidth: Int
    /// Residual blocks at a quarter of the resolution (6 in the paper below 256 pixels).
    public var residualBlocks: Int
    /// `ndf`: channels of the discriminator's first convolution.
    public var discriminatorWidth: Int
    /// Stride-2 layers of the PatchGAN (3 in the paper).
    public var discriminatorLayers: Int

    /// `[C, S, S]`.
    public var imageShape: [Int] { [channels, imageSize, imageSize] }

    /// Checks what the networks can be built for.
    public func validate() throws {
        guard [1, 3].contains(channels) else { throw ModelError.invalidOption("cyclegan: images need 1 or 3 channels, got \(channels)") }
        guard imageSize >= 8, imageSize % 4 == 0 else {
            throw ModelError.invalidOption("cyclegan: the image side must be a multiple of 4 (two stride-2 layers), got \(imageSize)")
        }
        guard generatorWidth > 0, residualBlocks >= 0, discriminatorWidth > 0, discriminatorLayers >= 1 else {
            throw ModelError.invalidOption("cyclegan: widths must be positive and the discriminator needs a layer")
        }
        // Each stride-2 layer halves (rounding down); the two stride-1 convolutions take 1 each.
        var side = imageSize
        for _ in 0..<discriminatorLayers { side /= 2 }
        guard side - 2 >= 1 else {
            throw ModelError.invalidOption("cyclegan: \(discriminatorLayers) discriminator layers leave no patch of a \(imageSize)-pixel image")
        }
    }
}

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

    /// 28×28 grey (Fashion-MNIST classes as domains): ngf 32 with the paper's 6 blocks at 7×7;
    /// a 2-layer PatchGAN (5×5 patches of 22 pixels), since 3 layers leave a single patch.
    public static let fashion28 = make(CycleGANNetworkSettings(channels: 1, imageSize: 28, generatorWidth: 32, residualBlocks: 6,
                                                               discriminatorWidth: 32, discriminatorLayers: 2))
    /// 32×32 colour (emoji): ngf 32, 6 blocks, a 3-layer PatchGAN of width 64 (2×2 patches).
    public static let colour32 = make(CycleGANNetworkSettings(channels: 3, imageSize: 32, generatorWidth: 32, residualBlocks: 6,
                                                              discriminatorWidth: 64, discriminatorLayers: 3))
    /// 64×64 colour: ngf 32 (the paper's 64 costs 4× the time on a CPU), 6 blocks, 3-layer PatchGAN.
    public static let colour64 = make(CycleGANNetworkSettings(channels: 3, imageSize: 64, generatorWidth: 32, residualBlocks: 6,
                                                              discriminatorWidth: 64, discriminatorLayers: 3))

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
        ["networks: ResNet G \(network.imageShape), ngf \(network.generatorWidth), \(network.residualBlocks) blocks; "
            + "PatchGAN D ndf \(network.discriminatorWidth), \(network.discriminatorLayers) layers",
         "loss: least squares + \(cycleWeight) × cycle + \(cycleWeight * identityWeight) × identity; pool of \(poolSize)",
         "optimisers: G \(generatorOptimizer.summary), D \(discriminatorOptimizer.summary)"]
    }
}

/// The `cyclegan` family.
public enum CycleGANFamily: Family {
    public static let name = "cyclegan"
    public static let summary = "CycleGAN: unpaired translation A ↔ B, ResNet G, PatchGAN D, least squares, cycle λ=10, identity 0.5λ"
    public static var presets: [Preset] {
        [Preset("fashion28", "28×28 grey: ngf 32, 6 blocks, 2-layer PatchGAN") { CycleGANConfig.fashion28 },
         Preset("colour32", "32×32 colour (emoji): ngf 32, 6 blocks, 3-layer PatchGAN") { CycleGANConfig.colour32 },
         Preset("colour64", "64×64 colour: ngf 32, 6 blocks, 3-layer PatchGAN") { CycleGANConfig.colour64 }]
    }
    public static func defaultPreset(forToyData: Bool) -> String { "fashion28" }
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
