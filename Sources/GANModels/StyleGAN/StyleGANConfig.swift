import Foundation
import GANData
import GANTensor

/// StyleGAN (Karras et al. 2018): a mapping network and a style-based synthesis network against
/// ProGAN's discriminator at full size; non-saturating logistic loss, lazy R1 (γ, every 16
/// steps), style mixing (0.9), a tracked mean `w` for truncation, Adam lr 1e-3 β (0, 0.99), an
/// EMA of G (0.999) for samples (see `StyleGANModel` for the step).
public struct StyleGANConfig: ModelConfiguration, Equatable {
    public var network: StyleGANNetworkSettings
    /// γ of R1 on reals.
    public var r1Gamma: Float
    /// R1 runs every this many steps, scaled by it (lazy regularisation).
    public var r1Interval: Int
    /// The probability of style mixing per batch.
    public var mixingProbability: Float
    /// The decay of G's tracked mean `w` (the paper's 0.995).
    public var averageWDecay: Float
    public var generatorOptimizer: OptimizerSettings
    public var discriminatorOptimizer: OptimizerSettings
    /// Decay of G's exponential moving average (`nil`: none; samples then come from G).
    public var emaDecay: Float?

    static func make(_ network: StyleGANNetworkSettings, r1Gamma: Float) -> StyleGANConfig {
        StyleGANConfig(network: network, r1Gamma: r1Gamma, r1Interval: 16, mixingProbability: 0.9, averageWDecay: 0.995,
                       generatorOptimizer: .adam(1e-3, 0, 0.99), discriminatorOptimizer: .adam(1e-3, 0, 0.99),
                       emaDecay: 0.999)
    }

    /// γ 10 as the official configuration for small, low-variety sets (the paper's CelebA-HQ
    /// and FFHQ use 10 too; LSUN 100).
    public static let grey28 = make(.grey28, r1Gamma: 10)
    public static let colour32 = make(.colour32, r1Gamma: 10)

    public static let options: [FamilyOption] =
        [FamilyOption("r1-gamma", "γ", "the R1 penalty's weight γ on reals, applied every 16 steps ×16 (default 10; 0: off)"),
         FamilyOption("mixing", "P", "the probability of style mixing per batch (default 0.9)")]
        + FamilyOption.learningRates
        + [.latentDimension,
           FamilyOption("ema", "DECAY", "decay of G's exponential moving average (default 0.999); samples use it")]

    public mutating func apply(_ options: FamilyOptionValues) throws {
        try options.applyLearningRates(generator: &generatorOptimizer, discriminator: &discriminatorOptimizer)
        if let gamma = try options.float("r1-gamma", "a non-negative number", { $0 >= 0 }) { r1Gamma = gamma }
        if let p = try options.float("mixing", "a probability in [0, 1]", { $0 >= 0 && $0 <= 1 }) { mixingProbability = p }
        if let n = try options.latentDimension() { network.latentDimension = n }
        if let decay = try options.emaDecay() { emaDecay = decay }
    }

    public var dataRequirements: DataRequirements {
        DataRequirements(imageSize: network.imageSize, channels: network.channels)
    }

    public mutating func adapt(to data: [Dataset]) throws {
        guard data[0].sampleShape == network.imageShape else {
            throw ModelError.dataMismatch("stylegan needs images \(network.imageShape), the data '\(data[0].name)' has samples of shape \(data[0].sampleShape)")
        }
    }

    public func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel {
        try network.validate()
        try checkEMADecay(emaDecay)
        guard r1Interval > 0, r1Gamma >= 0, (0...1).contains(mixingProbability), averageWDecay >= 0, averageWDecay <= 1 else {
            throw ModelError.invalidOption("StyleGAN needs R1 interval > 0, γ ≥ 0 and probabilities in [0, 1], got \(r1Interval), \(r1Gamma), \(mixingProbability), \(averageWDecay)")
        }
        return StyleGANModel(config: self, using: &rng)
    }

    public var batchesPerStep: Int { 1 }

    public var summaryLines: [String] {
        ["networks: \(network.summary)",
         "loss: non-saturating logistic; lazy R1 on reals, γ \(r1Gamma) every \(r1Interval) steps (×\(r1Interval)); style mixing p \(mixingProbability); w_avg decay \(averageWDecay)",
         "optimisers: G \(generatorOptimizer.summary) (mapping ×\(network.mappingLearningRateMultiplier)), D \(discriminatorOptimizer.summary)"]
            + (emaDecay.map { ["EMA of G: decay \($0)"] } ?? [])
    }
}
