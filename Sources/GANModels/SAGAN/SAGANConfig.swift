import Foundation
import GANData
import GANTensor

/// SAGAN (Zhang et al. 2019): self-attention in both networks, spectral norm on every layer of
/// both, the hinge loss and the two time-scale update rule (G 1e-4, D 4e-4, Adam β (0, 0.9)),
/// one D step per G step:
///
/// ```text
/// D: minimise E[max(0, 1 − D(x, y))] + E[max(0, 1 + D(G(z, y), y))]
/// G: minimise −E[D(G(z, y), y)]
/// ```
///
/// Class-conditional (conditional BN in G, projection D) when the data has labels, with y the
/// real batch's labels; unconditional otherwise or with `--unconditional`. The step is
/// `AdversarialModel`'s (the generated batch reused for the G step).
public struct SAGANConfig: ModelConfiguration, Equatable {
    public var network: SAGANNetworkSettings
    public var loss: AdversarialLoss
    public var discriminatorSteps: Int
    public var generatorOptimizer: OptimizerSettings
    public var discriminatorOptimizer: OptimizerSettings
    /// A fixed per-step decay of G's moving average (`--ema`).
    public var emaDecay: Float?
    /// The moving average's half-life in images shown (`--ema-images`, see `EMASchedule`).
    public var emaHalfLifeImages: Int?
    /// The half-life is at most this fraction of the images shown (see `EMASchedule`).
    public var emaRampUp: Float?
    /// Whether to condition on the data's classes when it has them.
    public var conditional: Bool

    static func make(_ network: SAGANNetworkSettings) -> SAGANConfig {
        SAGANConfig(network: network, loss: .hinge, discriminatorSteps: 1,
                    generatorOptimizer: .adam(1e-4, 0, 0.9), discriminatorOptimizer: .adam(4e-4, 0, 0.9),
                    emaDecay: nil, emaHalfLifeImages: nil, emaRampUp: nil, conditional: true)
    }

    var emaSchedule: EMASchedule { EMASchedule(fixedDecay: emaDecay, halfLifeImages: emaHalfLifeImages, rampUp: emaRampUp) }

    public static let grey28 = make(.grey28)
    public static let colour32 = make(.colour32)
    public static let colour64 = make(.colour64)

    public static let options: [FamilyOption] =
        [FamilyOption("unconditional", nil, "ignore the data's labels (default: class-conditional when the data has them)"),
         .loss, .criticSteps] + FamilyOption.learningRates + [.latentDimension] + EMASchedule.optionalOptions + [.spectralNormIterations]

    public mutating func apply(_ options: FamilyOptionValues) throws {
        try options.applyLearningRates(generator: &generatorOptimizer, discriminator: &discriminatorOptimizer)
        if let n = try options.latentDimension() { network.latentDimension = n }
        if let k = try options.spectralNormIterations() { network.powerIterations = k }
        try EMASchedule.apply(options, fixedDecay: &emaDecay, halfLifeImages: &emaHalfLifeImages, rampUp: &emaRampUp)
        if let loss = try options.choice("loss", as: AdversarialLoss.self) { self.loss = loss }
        if let k = try options.criticSteps() { discriminatorSteps = k }
        if options.flag("unconditional") { conditional = false }
    }

    public var dataRequirements: DataRequirements {
        DataRequirements(imageSize: network.imageSize, channels: network.channels)
    }

    public var batchesPerStep: Int { discriminatorSteps }

    public mutating func adapt(to data: [Dataset]) throws {
        let dataset = data[0]
        guard dataset.sampleShape == network.imageShape else {
            throw ModelError.dataMismatch("sagan needs images \(network.imageShape), the data '\(dataset.name)' has samples of shape \(dataset.sampleShape)")
        }
        network.classCount = conditional && dataset.labels != nil ? dataset.classNames.count : 0   // 0 when unnamed: unconditional
    }

    public func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel {
        try network.validate()
        try emaSchedule.check()
        let generator = SAGANGenerator(settings: network, using: &rng)
        let discriminator = SAGANDiscriminator(settings: network, using: &rng)
        return AdversarialModel(generator: generator, discriminator: discriminator,
                                generatorOptimizer: generatorOptimizer, discriminatorOptimizer: discriminatorOptimizer,
                                ema: emaSchedule, objective: Objective(loss: loss, discriminatorSteps: discriminatorSteps),
                                classCount: network.classCount, latentDimension: network.latentDimension,
                                dataShape: network.imageShape)
    }

    public var summaryLines: [String] {
        ["networks: \(network.summary)"
            + (network.classCount > 0 ? ", conditioned on \(network.classCount) classes (conditional BN in G, projection D)" : ""),
         "loss: \(loss.rawValue), D steps per G step: \(discriminatorSteps)",
         "optimisers: G \(generatorOptimizer.summary), D \(discriminatorOptimizer.summary)"]
            + (emaSchedule.isOn ? ["EMA of G: \(emaSchedule.summary)"] : [])
    }
}

/// The `sagan` family.
public enum SAGANFamily: Family {
    public static let name = "sagan"
    public static let summary = "SAGAN: self-attention and spectral norm in G and D, hinge loss, TTUR (G 1e-4, D 4e-4, Adam β (0, 0.9))"
    public static var presets: [Preset] {
        [Preset("grey28", "28×28 grey (Fashion-MNIST): dcgan28's widths, attention at 14×14") { SAGANConfig.grey28 },
         Preset("colour32", "32×32 colour, attention at 16×16") { SAGANConfig.colour32 },
         Preset("colour64", "64×64 colour (emoji), attention at 32×32") { SAGANConfig.colour64 }]
    }
    public static var options: [FamilyOption] { SAGANConfig.options }
    public static func defaultPreset(forToyData: Bool) -> String { "grey28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(SAGANConfig.self, from: data, family: name)
    }
}
