import Foundation
import GANData
import GANTensor

/// ProGAN (Karras et al. 2017): G and D grown from `b×b` to `S×S` one level at a time, each new
/// level faded in over `phaseImages` real images and then stabilised for as many; WGAN-GP
/// (λ 10) plus the drift term ε_drift·E[D(x)²] (0.001), one D step per G step, Adam lr 1e-3,
/// β (0, 0.99), ε 1e-8, an EMA of G with a half-life of 10k images for samples (see
/// `ProGANModel` for the step).
public struct ProGANConfig: ModelConfiguration, Equatable {
    public var network: ProGANNetworkSettings
    /// Real images per phase (the paper's 600k; here one Fashion-MNIST epoch by default).
    public var phaseImages: Int
    /// λ of the gradient penalty.
    public var gradientPenaltyWeight: Float
    /// ε_drift.
    public var driftWeight: Float
    public var generatorOptimizer: OptimizerSettings
    public var discriminatorOptimizer: OptimizerSettings
    /// A fixed per-step decay of G's exponential moving average (runs before the half-life
    /// kept 0.999 here); with `emaHalfLifeImages` `nil` too, G has none and samples come from G.
    public var emaDecay: Float?
    /// The moving average's half-life in images shown (see `EMASchedule`).
    public var emaHalfLifeImages: Int?
    /// The half-life is at most this fraction of the images shown (see `EMASchedule`).
    public var emaRampUp: Float?

    static func make(_ network: ProGANNetworkSettings) -> ProGANConfig {
        ProGANConfig(network: network, phaseImages: 60_000, gradientPenaltyWeight: 10, driftWeight: 0.001,
                     generatorOptimizer: .adam(1e-3, 0, 0.99), discriminatorOptimizer: .adam(1e-3, 0, 0.99),
                     emaDecay: nil, emaHalfLifeImages: 10_000, emaRampUp: 0.05)
    }

    var emaSchedule: EMASchedule { EMASchedule(fixedDecay: emaDecay, halfLifeImages: emaHalfLifeImages, rampUp: emaRampUp) }

    public static let grey28 = make(.grey28)
    public static let colour32 = make(.colour32)
    public static let colour64 = make(.colour64)

    public static let options: [FamilyOption] =
        [FamilyOption("phase-images", "N", "real images per growth phase: each new level fades in over N, then stabilises for N (default 60000)")]
        + FamilyOption.learningRates
        + [.latentDimension] + EMASchedule.options
        + [FamilyOption("gp-weight", "λ", "the gradient penalty weight λ (default 10)"),
           FamilyOption("drift", "ε", "the drift term's weight ε_drift on E[D(x)²] (default 0.001)")]

    public mutating func apply(_ options: FamilyOptionValues) throws {
        try options.applyLearningRates(generator: &generatorOptimizer, discriminator: &discriminatorOptimizer)
        if let n = try options.int("phase-images", "a positive number of images", { $0 > 0 }) { phaseImages = n }
        if let n = try options.latentDimension() { network.latentDimension = n }
        try EMASchedule.apply(options, fixedDecay: &emaDecay, halfLifeImages: &emaHalfLifeImages, rampUp: &emaRampUp)
        if let lambda = try options.float("gp-weight", "a non-negative number", { $0 >= 0 }) { gradientPenaltyWeight = lambda }
        if let epsilon = try options.float("drift", "a non-negative number", { $0 >= 0 }) { driftWeight = epsilon }
    }

    public var dataRequirements: DataRequirements {
        DataRequirements(imageSize: network.imageSize, channels: network.channels)
    }

    public mutating func adapt(to data: [Dataset]) throws {
        guard data[0].sampleShape == network.imageShape else {
            throw ModelError.dataMismatch("progan needs images \(network.imageShape), the data '\(data[0].name)' has samples of shape \(data[0].sampleShape)")
        }
    }

    public func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel {
        try network.validate()
        try emaSchedule.check()
        guard phaseImages > 0 else { throw ModelError.invalidOption("--phase-images must be positive, got \(phaseImages)") }
        return ProGANModel(config: self, using: &rng)
    }

    public var batchesPerStep: Int { 1 }

    public var summaryLines: [String] {
        let schedule = ProGANSchedule(levels: network.levels, phaseImages: phaseImages)
        return ["networks: \(network.summary)",
                "growth: \(phaseImages) images per phase (fade-in, then stabilise); full size and faded in after \(schedule.totalImages) images",
                "loss: WGAN-GP, λ \(gradientPenaltyWeight), drift \(driftWeight), one D step per G step",
                "optimisers: G \(generatorOptimizer.summary), D \(discriminatorOptimizer.summary); levels not yet grown get no gradient"]
            + (emaSchedule.isOn ? ["EMA of G: \(emaSchedule.summary)"] : [])
    }
}
