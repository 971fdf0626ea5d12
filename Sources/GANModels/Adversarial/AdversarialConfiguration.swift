import GANData
import GANTensor

/// The config of a family trained by `AdversarialModel` (one G, one D, an objective): what GAN,
/// DCGAN, CGAN, WGAN and WGAN-GP share. Each family lists its stored values and presets; the
/// data requirements, the shared options and the model come from here.
public protocol AdversarialConfiguration: ModelConfiguration {
    /// The family's name, for messages.
    static var familyName: String { get }
    var network: NetworkSettings { get set }
    var generatorOptimizer: OptimizerSettings { get set }
    var discriminatorOptimizer: OptimizerSettings { get set }
    var emaDecay: Float? { get set }
    /// The loss, D steps and regulariser.
    var objective: Objective { get }
    /// Classes G and D are conditioned on (0: none).
    var classCount: Int { get }
}

extension AdversarialConfiguration {
    public var classCount: Int { 0 }

    public var dataRequirements: DataRequirements {
        DataRequirements(imageSize: network.imageSize, channels: network.channels,
                         acceptsPoints: network.architecture == .mlp)
    }

    public var batchesPerStep: Int { objective.discriminatorSteps }

    public mutating func adapt(to data: [Dataset]) throws {
        try adaptNetwork(to: data[0])
    }

    /// MLPs take the data's shape; convolutional networks check it.
    mutating func adaptNetwork(to dataset: Dataset) throws {
        if network.architecture == .mlp {
            network.dataShape = dataset.sampleShape
            if !dataset.isImage { network.outputTanh = false }
        } else if dataset.sampleShape != network.dataShape {
            throw ModelError.dataMismatch("\(Self.familyName) with \(network.architecture.rawValue) networks needs images \(network.dataShape), "
                + "the data '\(dataset.name)' has samples of shape \(dataset.sampleShape)"
                + (dataset.isImage ? "" : "; for toy data use --preset toy"))
        }
    }

    /// Applies `--lr`, `--lr-g`, `--lr-d`, `--latent-dim` and `--ema`.
    mutating func applyShared(_ options: FamilyOptionValues) throws {
        var (g, d) = (generatorOptimizer, discriminatorOptimizer)
        try options.applyLearningRates(generator: &g, discriminator: &d)
        (generatorOptimizer, discriminatorOptimizer) = (g, d)
        if let n = try options.latentDimension() { network.latentDimension = n }
        if let decay = try options.emaDecay() { emaDecay = decay }
    }

    public func makeModel(using rng: inout RandomGenerator) throws -> any TrainableModel {
        try makeAdversarialModel(using: &rng)
    }

    /// Checks the settings, then builds G and D (in that order from `rng`) and the model.
    public func makeAdversarialModel(using rng: inout RandomGenerator) throws -> AdversarialModel {
        try network.makeModel(classCount: classCount, generatorOptimizer: generatorOptimizer,
                              discriminatorOptimizer: discriminatorOptimizer, emaDecay: emaDecay,
                              objective: objective, using: &rng)
    }

    /// The optimiser and EMA lines of `summaryLines`.
    var optimizerSummaryLines: [String] {
        ["optimisers: G \(generatorOptimizer.summary), D \(discriminatorOptimizer.summary)"]
            + (emaDecay.map { ["EMA of G: decay \($0)"] } ?? [])
    }
}

/// An adversarial family whose objective is a choice of loss and D steps per G step (GAN,
/// DCGAN, CGAN).
public protocol LossChoiceConfiguration: AdversarialConfiguration {
    var loss: AdversarialLoss { get set }
    var discriminatorSteps: Int { get set }
}

extension LossChoiceConfiguration {
    /// The options of a family with a choice of loss.
    public static var lossChoiceOptions: [FamilyOption] {
        [.loss, .criticSteps] + FamilyOption.learningRates + [.latentDimension, .ema]
    }

    public var objective: Objective { Objective(loss: loss, discriminatorSteps: discriminatorSteps) }

    public mutating func apply(_ options: FamilyOptionValues) throws {
        try applyShared(options)
        if let loss = try options.choice("loss", as: AdversarialLoss.self) { self.loss = loss }
        if let k = try options.criticSteps() { discriminatorSteps = k }
    }

    public var summaryLines: [String] {
        ["networks: \(network.summary)" + (classCount > 0 ? ", conditioned on \(classCount) classes (one-hot)" : ""),
         "loss: \(loss.rawValue), D steps per G step: \(discriminatorSteps)"] + optimizerSummaryLines
    }
}
