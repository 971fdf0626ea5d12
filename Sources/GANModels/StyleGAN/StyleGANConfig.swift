import Foundation
import GANData
import GANTensor

/// StyleGAN (Karras et al. 2018): a mapping network and a style-based synthesis network against
/// ProGAN's discriminator at full size; non-saturating logistic loss, lazy R1 (γ, every 16
/// steps), style mixing (0.9), a tracked mean `w` for truncation, Adam lr 1e-3 β (0, 0.99), an
/// EMA of G with a half-life of 10k images for samples (see `StyleGANModel` for the step). Variant 2 is StyleGAN2
/// (Karras et al. 2019) at the same sizes: `StyleGAN2Generator`, `StyleGAN2Discriminator` and
/// lazy path-length regularisation of G (weight 2, every 4 steps ×4, half batch, decay 0.01).
///
/// `config.json` written before the variant existed has none of the variant-2 fields and
/// decodes as variant 1 with their defaults.
public struct StyleGANConfig: ModelConfiguration, Equatable {
    public var network: StyleGANNetworkSettings
    /// 1: StyleGAN (AdaIN, ProGAN's D); 2: StyleGAN2 (modulated convolutions, skip G, residual D,
    /// path-length regularisation).
    public var variant: Int = 1
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
    /// A fixed per-step decay of G's exponential moving average (runs before the half-life
    /// kept 0.999 here); with `emaHalfLifeImages` `nil` too, G has none and samples come from G.
    public var emaDecay: Float?
    /// The moving average's half-life in images shown (see `EMASchedule`).
    public var emaHalfLifeImages: Int?
    /// The half-life is at most this fraction of the images shown (see `EMASchedule`).
    public var emaRampUp: Float?
    /// Variant 2: the weight of the path-length penalty (0: off).
    public var pathLengthWeight: Float = 2
    /// Variant 2: the penalty runs every this many steps, scaled by it (lazy regularisation).
    public var pathLengthInterval: Int = 4
    /// Variant 2: the penalty's batch is the step's divided by this (at least 1).
    public var pathLengthBatchShrink: Int = 2
    /// Variant 2: the decay of the running mean path length `pl_mean`.
    public var pathLengthDecay: Float = 0.01

    init(network: StyleGANNetworkSettings, r1Gamma: Float, r1Interval: Int, mixingProbability: Float, averageWDecay: Float,
         generatorOptimizer: OptimizerSettings, discriminatorOptimizer: OptimizerSettings, emaDecay: Float?,
         emaHalfLifeImages: Int?, emaRampUp: Float?) {
        self.network = network
        self.r1Gamma = r1Gamma
        self.r1Interval = r1Interval
        self.mixingProbability = mixingProbability
        self.averageWDecay = averageWDecay
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.emaDecay = emaDecay
        self.emaHalfLifeImages = emaHalfLifeImages
        self.emaRampUp = emaRampUp
    }

    /// Decodes a config, the variant-2 fields optional (absent: variant 1 and the defaults).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        network = try c.decode(StyleGANNetworkSettings.self, forKey: .network)
        variant = try c.decodeIfPresent(Int.self, forKey: .variant) ?? 1
        r1Gamma = try c.decode(Float.self, forKey: .r1Gamma)
        r1Interval = try c.decode(Int.self, forKey: .r1Interval)
        mixingProbability = try c.decode(Float.self, forKey: .mixingProbability)
        averageWDecay = try c.decode(Float.self, forKey: .averageWDecay)
        generatorOptimizer = try c.decode(OptimizerSettings.self, forKey: .generatorOptimizer)
        discriminatorOptimizer = try c.decode(OptimizerSettings.self, forKey: .discriminatorOptimizer)
        emaDecay = try c.decodeIfPresent(Float.self, forKey: .emaDecay)
        emaHalfLifeImages = try c.decodeIfPresent(Int.self, forKey: .emaHalfLifeImages)
        emaRampUp = try c.decodeIfPresent(Float.self, forKey: .emaRampUp)
        pathLengthWeight = try c.decodeIfPresent(Float.self, forKey: .pathLengthWeight) ?? 2
        pathLengthInterval = try c.decodeIfPresent(Int.self, forKey: .pathLengthInterval) ?? 4
        pathLengthBatchShrink = try c.decodeIfPresent(Int.self, forKey: .pathLengthBatchShrink) ?? 2
        pathLengthDecay = try c.decodeIfPresent(Float.self, forKey: .pathLengthDecay) ?? 0.01
    }

    static func make(_ network: StyleGANNetworkSettings, r1Gamma: Float) -> StyleGANConfig {
        StyleGANConfig(network: network, r1Gamma: r1Gamma, r1Interval: 16, mixingProbability: 0.9, averageWDecay: 0.995,
                       generatorOptimizer: .adam(1e-3, 0, 0.99), discriminatorOptimizer: .adam(1e-3, 0, 0.99),
                       emaDecay: nil, emaHalfLifeImages: 10_000, emaRampUp: 0.05)
    }

    var emaSchedule: EMASchedule { EMASchedule(fixedDecay: emaDecay, halfLifeImages: emaHalfLifeImages, rampUp: emaRampUp) }

    /// γ 10 as the official configuration for small, low-variety sets (the paper's CelebA-HQ
    /// and FFHQ use 10 too; LSUN 100).
    public static let grey28 = make(.grey28, r1Gamma: 10)
    public static let colour32 = make(.colour32, r1Gamma: 10)
    public static let colour64 = make(.colour64, r1Gamma: 10)

    public static let options: [FamilyOption] =
        [FamilyOption("variant", "1|2", "1: StyleGAN (AdaIN, ProGAN's D); 2: StyleGAN2 (modulated convolutions, skip G, residual D, path-length regularisation) at the preset's sizes (default 1)"),
         FamilyOption("pl-weight", "W", "variant 2: the path-length penalty's weight, applied every 4 steps ×4 on half the batch (default 2; 0: off)"),
         FamilyOption("r1-gamma", "γ", "the R1 penalty's weight γ on reals, applied every 16 steps ×16 (default 10; 0: off)"),
         FamilyOption("mixing", "P", "the probability of style mixing per batch (default 0.9)")]
        + FamilyOption.learningRates
        + [.latentDimension] + EMASchedule.options

    public mutating func apply(_ options: FamilyOptionValues) throws {
        if let v = try options.int("variant", "1 (StyleGAN) or 2 (StyleGAN2)", { $0 == 1 || $0 == 2 }) { variant = v }
        if let weight = try options.float("pl-weight", "a non-negative number", { $0 >= 0 }) {
            guard variant == 2 else {
                throw ModelError.invalidOption("--pl-weight is StyleGAN2's path-length regularisation; it needs --variant 2 (this run is variant \(variant))")
            }
            pathLengthWeight = weight
        }
        try options.applyLearningRates(generator: &generatorOptimizer, discriminator: &discriminatorOptimizer)
        if let gamma = try options.float("r1-gamma", "a non-negative number", { $0 >= 0 }) { r1Gamma = gamma }
        if let p = try options.float("mixing", "a probability in [0, 1]", { $0 >= 0 && $0 <= 1 }) { mixingProbability = p }
        if let n = try options.latentDimension() { network.latentDimension = n }
        try EMASchedule.apply(options, fixedDecay: &emaDecay, halfLifeImages: &emaHalfLifeImages, rampUp: &emaRampUp)
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
        try emaSchedule.check()
        guard variant == 1 || variant == 2 else {
            throw ModelError.invalidOption("stylegan's variant must be 1 (StyleGAN) or 2 (StyleGAN2), got \(variant)")
        }
        guard pathLengthInterval > 0, pathLengthBatchShrink > 0, pathLengthWeight >= 0, (0...1).contains(pathLengthDecay) else {
            throw ModelError.invalidOption("StyleGAN2's path length needs interval > 0, batch shrink > 0, weight ≥ 0 and decay in [0, 1], got \(pathLengthInterval), \(pathLengthBatchShrink), \(pathLengthWeight), \(pathLengthDecay)")
        }
        guard r1Interval > 0, r1Gamma >= 0, (0...1).contains(mixingProbability), averageWDecay >= 0, averageWDecay <= 1 else {
            throw ModelError.invalidOption("StyleGAN needs R1 interval > 0, γ ≥ 0 and probabilities in [0, 1], got \(r1Interval), \(r1Gamma), \(mixingProbability), \(averageWDecay)")
        }
        return StyleGANModel(config: self, using: &rng)
    }

    public var batchesPerStep: Int { 1 }

    public var summaryLines: [String] {
        [variant == 2 ? "variant 2: StyleGAN2 (modulated, demodulated convolutions, skip outputs; residual D)"
                      : "variant 1: StyleGAN (AdaIN; ProGAN's D at full size)",
         "networks: \(network.summary)",
         "loss: non-saturating logistic; lazy R1 on reals, γ \(r1Gamma) every \(r1Interval) steps (×\(r1Interval)); style mixing p \(mixingProbability); w_avg decay \(averageWDecay)"]
            + (variant == 2 ? [pathLengthWeight > 0
                ? "path length: weight \(pathLengthWeight) every \(pathLengthInterval) steps (×\(pathLengthInterval)) on batch / \(pathLengthBatchShrink), pl_mean decay \(pathLengthDecay)"
                : "path length: off"] : [])
            + ["optimisers: G \(generatorOptimizer.summary) (mapping ×\(network.mappingLearningRateMultiplier)), D \(discriminatorOptimizer.summary)"]
            + (emaSchedule.isOn ? ["EMA of G: \(emaSchedule.summary)"] : [])
    }
}
