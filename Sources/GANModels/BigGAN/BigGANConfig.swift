import Foundation
import GANData
import GANTensor

/// BigGAN (Brock et al. 2018) at small-image scale: residual G and D with spectral norm, a shared
/// class embedding and a hierarchical latent driving every block's conditional BatchNorm, a
/// projection discriminator, self-attention, the hinge loss, two D steps per G step, orthogonal
/// regularisation of G (β 1e-4, the paper's form) and an EMA of G that starts after a set step:
///
/// ```text
/// D (×2, each on a fresh real batch):  minimise E[max(0, 1 − D(x, y))] + E[max(0, 1 + D(G(z, y), y))]
/// G:  minimise −E[D(G(z, y), y)] + β Σ_W ‖W Wᵀ ⊙ (1 − I)‖²_F      (every G weight but the shared embedding)
/// EMA: copies G before `emaStart`, then averages (half-life 10k images, `EMASchedule`)
/// ```
///
/// Adam with β (0, 0.999) at G 1e-4, D 4e-4 (the paper's ImageNet settings). Fakes take the real
/// batch's labels (BigGAN-PyTorch samples them uniformly: the same distribution on balanced
/// data). Samples come from the EMA generator in evaluation mode, its BatchNorm using running
/// statistics copied from G at every EMA update (BigGAN-PyTorch averages them with the weights;
/// the paper's "standing statistics" are not used). Unlabelled data trains with one class.
public struct BigGANConfig: ModelConfiguration, Equatable {
    public var network: BigGANNetworkSettings
    public var discriminatorSteps: Int
    public var generatorOptimizer: OptimizerSettings
    public var discriminatorOptimizer: OptimizerSettings
    /// β of the orthogonal regularisation (0: none).
    public var orthogonalRegularization: Float
    /// A fixed per-step decay of G's moving average (`--ema`; config.json files written before
    /// the half-life have 0.999 here, the paper's 0.9999 per step at batch 2048 being far slower).
    public var emaDecay: Float?
    /// The moving average's half-life in images shown (see `EMASchedule`).
    public var emaHalfLifeImages: Int?
    /// The half-life is at most this fraction of the images shown (see `EMASchedule`).
    public var emaRampUp: Float?
    /// The step (0-based) from which the EMA averages; before it, it copies G.
    public var emaStart: Int

    static func make(_ network: BigGANNetworkSettings) -> BigGANConfig {
        BigGANConfig(network: network, discriminatorSteps: 2,
                     generatorOptimizer: .adam(1e-4, 0, 0.999), discriminatorOptimizer: .adam(4e-4, 0, 0.999),
                     orthogonalRegularization: 1e-4, emaDecay: nil, emaHalfLifeImages: 10_000,
                     emaRampUp: EMASchedule.defaultRampUp, emaStart: 1000)
    }

    var emaSchedule: EMASchedule { EMASchedule(fixedDecay: emaDecay, halfLifeImages: emaHalfLifeImages, rampUp: emaRampUp) }

    public static let grey28 = make(.grey28)
    public static let colour32 = make(.colour32)
    public static let colour64 = make(.colour64)

    public static let options: [FamilyOption] =
        [.criticSteps] + FamilyOption.learningRates
        + [FamilyOption("ortho", "β", "orthogonal regularisation strength of G (default 1e-4; 0 turns it off)"),
           EMASchedule.options[0], EMASchedule.options[1],
           FamilyOption("ema-start", "STEP", "the step from which the EMA averages; before it, it copies G (default 1000)"),
           FamilyOption("width", "CH", "BigGAN's channel multiplier ch: every layer has a multiple of it (grey28: 16, colour32 and colour64: 32)"),
           .latentDimension, .spectralNormIterations]

    public mutating func apply(_ options: FamilyOptionValues) throws {
        try options.applyLearningRates(generator: &generatorOptimizer, discriminator: &discriminatorOptimizer)
        if let k = try options.criticSteps() { discriminatorSteps = k }
        if let beta = try options.float("ortho", "a non-negative number", { $0 >= 0 }) { orthogonalRegularization = beta }
        try EMASchedule.apply(options, fixedDecay: &emaDecay, halfLifeImages: &emaHalfLifeImages, rampUp: &emaRampUp)
        if let start = try options.int("ema-start", "a step number ≥ 0", { $0 >= 0 }) { emaStart = start }
        if let n = try options.latentDimension() { network.latentDimension = n }
        if let k = try options.spectralNormIterations() { network.powerIterations = k }
        if let ch = try options.int("width", "a positive integer", { $0 > 0 }) { network.width = ch }
    }

    public var dataRequirements: DataRequirements {
        DataRequirements(imageSize: network.imageSize, channels: network.channels)
    }

    public var batchesPerStep: Int { discriminatorSteps }

    /// Labelled data sets the class count; unlabelled data trains with one class.
    public mutating func adapt(to data: [Dataset]) throws {
        let dataset = data[0]
        guard dataset.sampleShape == network.imageShape else {
            throw ModelError.dataMismatch("biggan needs images \(network.imageShape), the data '\(dataset.name)' has samples of shape \(dataset.sampleShape)")
        }
        network.classCount = dataset.labels != nil && !dataset.classNames.isEmpty ? dataset.classNames.count : 1
    }

    /// Conditional on the data's classes, unless it had none (one class).
    var conditionalClassCount: Int { network.classCount > 1 ? network.classCount : 0 }

    public func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel {
        try network.validate()
        try emaSchedule.check()
        let generator = BigGANGenerator(settings: network, using: &rng)
        let discriminator = BigGANDiscriminator(settings: network, using: &rng)
        let objective = Objective(loss: .hinge, discriminatorSteps: discriminatorSteps,
                                  orthogonalRegularization: orthogonalRegularization > 0 ? orthogonalRegularization : nil,
                                  unregularizedPrefixes: ["shared."])
        return AdversarialModel(generator: generator, discriminator: discriminator,
                                generatorOptimizer: generatorOptimizer, discriminatorOptimizer: discriminatorOptimizer,
                                ema: emaSchedule, emaStart: emaStart, objective: objective,
                                classCount: conditionalClassCount, latentDimension: network.latentDimension,
                                dataShape: network.imageShape)
    }

    public var summaryLines: [String] {
        ["networks: \(network.summary)" + (conditionalClassCount > 0 ? "" : " (unlabelled data: unconditional)"),
         "loss: hinge, D steps per G step: \(discriminatorSteps), orthogonal regularisation β \(orthogonalRegularization)",
         "optimisers: G \(generatorOptimizer.summary), D \(discriminatorOptimizer.summary)"]
            + (emaSchedule.isOn ? ["EMA of G: \(emaSchedule.summary), from step \(emaStart) (a copy of G before)"] : [])
    }
}

/// The `biggan` family.
public enum BigGANFamily: Family {
    public static let name = "biggan"
    public static let summary = "BigGAN: residual G/D, shared embedding, hierarchical z, conditional BN, projection D, ortho reg, EMA"
    public static var presets: [Preset] {
        [Preset("grey28", "28×28 grey (Fashion-MNIST): G 7→14→28, attention at 14×14, ch 16") { BigGANConfig.grey28 },
         Preset("colour32", "32×32 colour: BigGAN-PyTorch's arch[32] at ch 32, attention at 16×16") { BigGANConfig.colour32 },
         Preset("colour64", "64×64 colour (emoji groups): arch[64] at ch 32, attention at 32×32") { BigGANConfig.colour64 }]
    }
    public static var options: [FamilyOption] { BigGANConfig.options }
    public static func defaultPreset(forToyData: Bool) -> String { "grey28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(BigGANConfig.self, from: data, family: name)
    }
}
