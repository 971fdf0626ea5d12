import GANData
import GANLayers
import GANTensor

/// How a family trains: its loss, how many discriminator steps per generator step, and its
/// regulariser (WGAN's weight clipping, WGAN-GP's gradient penalty).
public struct Objective: Equatable, Sendable {
    /// The adversarial loss.
    public var loss: AdversarialLoss
    /// Discriminator (critic) steps per generator step, each on a fresh real batch.
    public var discriminatorSteps: Int
    /// WGAN: after each critic step every critic weight is clamped to ±`weightClip`.
    public var weightClip: Float?
    /// WGAN-GP: the weight λ of the gradient penalty.
    public var gradientPenaltyWeight: Float?

    public init(loss: AdversarialLoss, discriminatorSteps: Int = 1, weightClip: Float? = nil,
                gradientPenaltyWeight: Float? = nil) {
        self.loss = loss
        self.discriminatorSteps = discriminatorSteps
        self.weightClip = weightClip
        self.gradientPenaltyWeight = gradientPenaltyWeight
    }
}

/// What one training step measured. Gradient norms and D's outputs only when asked for
/// (on logging steps); the losses always (a non-finite loss stops training).
public struct StepMetrics: Equatable, Sendable {
    public var discriminatorLoss: Float = 0
    public var generatorLoss: Float = 0
    /// D(x): mean probability (minimax, non-saturating) or mean score, on the last real batch.
    public var realScore: Float?
    /// D(G(z)), likewise.
    public var fakeScore: Float?
    /// Mean ‖∇D(x̂)‖ at the interpolates (WGAN-GP).
    public var penaltyGradientNorm: Float?
    /// L2 norm of all discriminator weight gradients (last critic step).
    public var discriminatorGradientNorm: Float?
    /// L2 norm of all generator weight gradients.
    public var generatorGradientNorm: Float?
    /// Real samples consumed.
    public var realSamples = 0
    /// Samples generated for the generator step.
    public var generatedSamples = 0
}

/// A family's two networks, their optimisers, an optional EMA of the generator and the
/// objective — everything a checkpoint holds besides the step, the RNG and the batcher.
public final class GANModel {
    public let generator: any GeneratorNetwork
    public let discriminator: any DiscriminatorNetwork
    public let generatorOptimizer: Optimizer
    public let discriminatorOptimizer: Optimizer
    /// An exponential moving average of the generator's weights, used for sampling when present.
    public let ema: ExponentialMovingAverage<Module>?
    public let objective: Objective
    /// Classes the networks are conditioned on (0: unconditional).
    public let classCount: Int
    public let latentDimension: Int
    /// The shape of one sample.
    public let dataShape: [Int]

    public init(generator: any GeneratorNetwork, discriminator: any DiscriminatorNetwork,
                generatorOptimizer: OptimizerSettings, discriminatorOptimizer: OptimizerSettings,
                emaDecay: Float?, objective: Objective, classCount: Int, latentDimension: Int, dataShape: [Int]) {
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer.make(generator.parameters())
        self.discriminatorOptimizer = discriminatorOptimizer.make(discriminator.parameters())
        self.ema = emaDecay.map { ExponentialMovingAverage<Module>(model: generator, decay: $0) }
        self.objective = objective
        self.classCount = classCount
        self.latentDimension = latentDimension
        self.dataShape = dataShape
    }

    /// Draws latents `[count, latentDimension]` from N(0, 1).
    public func latents(count: Int, using rng: inout RandomGenerator) -> Tensor {
        Tensor.randomNormal([count, latentDimension], using: &rng)
    }

    // MARK: Training

    /// One generator step after `objective.discriminatorSteps` discriminator steps, each on a
    /// batch from `nextBatch`.
    ///
    /// With one discriminator step the generated batch is reused for the generator step, as in
    /// `pytorch/examples/dcgan` (G runs forward once per iteration); with several, each critic
    /// step draws its own latents and the generator step a fresh batch.
    ///
    /// - Throws: `ModelError.nonFinite` when a loss is NaN or infinite (the weights are then
    ///   not updated by that loss).
    public func trainingStep(nextBatch: () -> Batch, using rng: inout RandomGenerator,
                             measure: Bool) throws -> StepMetrics {
        var metrics = StepMetrics()
        let reuse = objective.discriminatorSteps == 1
        var kept: (fake: Tensor, labels: [Int]?)?
        var lastLabels: [Int]?
        let dParameters = discriminator.parameters()
        for k in 0..<objective.discriminatorSteps {
            let batch = nextBatch()
            let real = batch.samples, n = real.shape[0]
            let labels = classCount > 0 ? batch.labels : nil
            lastLabels = labels
            let z = latents(count: n, using: &rng)
            let fake = reuse ? generator.generate(z, labels: labels)
                             : withoutGradients { generator.generate(z, labels: labels) }
            let realScores = discriminator.score(real, labels: labels)
            let fakeScores = discriminator.score(fake.detach(), labels: labels)
            var loss = objective.loss.discriminatorLoss(real: realScores, fake: fakeScores)
            if let weight = objective.gradientPenaltyWeight {
                let d = discriminator
                let (penalty, norm) = GradientPenalty.penalty(
                    critic: { d.score($0, labels: labels) }, real: real, fake: fake, using: &rng)
                loss = loss + weight * penalty
                metrics.penaltyGradientNorm = norm
            }
            metrics.discriminatorLoss = loss.item
            guard metrics.discriminatorLoss.isFinite else {
                throw ModelError.nonFinite("the discriminator loss is \(metrics.discriminatorLoss)")
            }
            let grads = gradients(of: loss, wrt: dParameters.map(\.value))
            if measure && k == objective.discriminatorSteps - 1 {
                metrics.discriminatorGradientNorm = GANModel.norm(grads)
                metrics.realScore = objective.loss.reportedScore(realScores)
                metrics.fakeScore = objective.loss.reportedScore(fakeScores)
            }
            discriminatorOptimizer.step(gradients: grads)
            if let bound = objective.weightClip {
                withoutGradients {
                    for p in dParameters { p.value = p.value.clamped(min: -bound, max: bound).requiringGradient() }
                }
            }
            metrics.realSamples += n
            if reuse { kept = (fake, labels) }
        }
        let (fake, labels): (Tensor, [Int]?)
        if let kept {
            (fake, labels) = kept
        } else {
            let n = lastLabels?.count ?? metrics.realSamples / objective.discriminatorSteps
            let z = latents(count: n, using: &rng)
            (fake, labels) = (generator.generate(z, labels: lastLabels), lastLabels)
        }
        let loss = objective.loss.generatorLoss(fake: discriminator.score(fake, labels: labels))
        metrics.generatorLoss = loss.item
        guard metrics.generatorLoss.isFinite else {
            throw ModelError.nonFinite("the generator loss is \(metrics.generatorLoss)")
        }
        let gParameters = generator.parameters()
        let grads = gradients(of: loss, wrt: gParameters.map(\.value))
        if measure { metrics.generatorGradientNorm = GANModel.norm(grads) }
        generatorOptimizer.step(gradients: grads)
        ema?.update()
        metrics.generatedSamples = fake.shape[0]
        return metrics
    }

    static func norm(_ tensors: [Tensor]) -> Float {
        withoutGradients { tensors.reduce(Float(0)) { $0 + $1.square().sum().item }.squareRoot() }
    }

    // MARK: Sampling

    /// Samples for `z` (and `labels` when conditional) from the EMA generator when there is one,
    /// in evaluation mode, without recording a graph.
    public func generate(_ z: Tensor, labels: [Int]? = nil, useAverage: Bool = true) -> Tensor {
        let network = (useAverage ? ema?.average as? any GeneratorNetwork : nil) ?? generator
        let wasTraining = network.isTraining
        network.eval()
        defer { network.train(wasTraining) }
        return withoutGradients { network.generate(z, labels: classCount > 0 ? labels : nil) }
    }

    // MARK: State

    /// Networks, optimisers and EMA under `generator.`, `discriminator.`, `optimizer_g.`,
    /// `optimizer_d.` and `ema.` (PyTorch names below each prefix).
    public func stateDict() -> StateDict {
        var state = StateDict()
        state.merge(generator.stateDict().prefixed("generator."))
        state.merge(discriminator.stateDict().prefixed("discriminator."))
        state.merge(generatorOptimizer.stateDict().prefixed("optimizer_g."))
        state.merge(discriminatorOptimizer.stateDict().prefixed("optimizer_d."))
        if let ema { state.merge(ema.stateDict().prefixed("ema.")) }
        return state
    }

    /// Restores everything `stateDict()` saved; nothing partial: a mismatch throws naming the keys.
    public func load(stateDict state: StateDict, source: String) throws {
        let known = ["generator.", "discriminator.", "optimizer_g.", "optimizer_d."] + (ema != nil ? ["ema."] : [])
        if let stray = state.keys.first(where: { key in !known.contains { key.hasPrefix($0) } }) {
            throw CheckpointError.stateMismatch(file: source, missing: [], unexpected: [stray], misshaped: [])
        }
        // Check every part against a copy first, so a bad file changes nothing.
        try generator.copy().load(stateDict: state.entries(withPrefix: "generator."), source: source)
        try discriminator.copy().load(stateDict: state.entries(withPrefix: "discriminator."), source: source)
        try generator.load(stateDict: state.entries(withPrefix: "generator."), source: source)
        try discriminator.load(stateDict: state.entries(withPrefix: "discriminator."), source: source)
        try generatorOptimizer.load(stateDict: state.entries(withPrefix: "optimizer_g."), source: source)
        try discriminatorOptimizer.load(stateDict: state.entries(withPrefix: "optimizer_d."), source: source)
        if let ema { try ema.load(stateDict: state.entries(withPrefix: "ema."), source: source) }
    }
}
