import GANData
import GANTensor

/// A family whose config is networks, a loss, D steps per G step, two optimisers and an
/// optional EMA of G, and which has no options of its own (`gan`, `dcgan`): the config
/// lists its stored values and presets, and everything else comes from here.
public protocol AdversarialConfiguration: ModelConfiguration {
    /// The family's name, for messages.
    static var familyName: String { get }
    var loss: AdversarialLoss { get set }
    var discriminatorSteps: Int { get set }
    var generatorOptimizer: OptimizerSettings { get set }
    var discriminatorOptimizer: OptimizerSettings { get set }
    var emaDecay: Float? { get set }
}

extension AdversarialConfiguration {
    public mutating func apply(_ overrides: TrainOverrides) throws {
        try overrides.reject([("--clip", overrides.clip != nil), ("--gp-weight", overrides.gradientPenaltyWeight != nil)],
                             family: Self.familyName)
        // Locals: through protocol accessors, four inouts on `self` would overlap.
        var (net, g, d, ema) = (network, generatorOptimizer, discriminatorOptimizer, emaDecay)
        try overrides.applyCommon(to: &net, generator: &g, discriminator: &d, emaDecay: &ema)
        (network, generatorOptimizer, discriminatorOptimizer, emaDecay) = (net, g, d, ema)
        if let loss = overrides.loss { self.loss = loss }
        if let k = overrides.discriminatorSteps { discriminatorSteps = k }
    }

    public mutating func adapt(to dataset: Dataset) throws {
        try adaptNetwork(to: dataset, family: Self.familyName)
    }

    public var objective: Objective { Objective(loss: loss, discriminatorSteps: discriminatorSteps) }

    public func makeModel(using rng: inout RandomGenerator) throws -> GANModel {
        try network.makeModel(generatorOptimizer: generatorOptimizer, discriminatorOptimizer: discriminatorOptimizer,
                              emaDecay: emaDecay, objective: objective, using: &rng)
    }

    public var summaryLines: [String] {
        ["networks: \(network.summary)",
         "loss: \(loss.rawValue), D steps per G step: \(discriminatorSteps)",
         "optimisers: G \(generatorOptimizer.summary), D \(discriminatorOptimizer.summary)"]
            + (emaDecay.map { ["EMA of G: decay \($0)"] } ?? [])
    }
}
