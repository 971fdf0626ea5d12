import GANData
import GANLayers
import GANTensor

/// One generator and one discriminator, their optimisers, an optional EMA of the generator and
/// the objective: the model of GAN, DCGAN, CGAN, WGAN and WGAN-GP. Its checkpoint parts are
/// `generator.`, `discriminator.`, `optimizer_g.`, `optimizer_d.` and `ema.`.
public final class AdversarialModel: LatentModel {
    public let generator: any GeneratorNetwork
    public let discriminator: any DiscriminatorNetwork
    public let generatorOptimizer: Optimizer
    public let discriminatorOptimizer: Optimizer
    /// An exponential moving average of the generator's weights, used for sampling when present.
    public let ema: ExponentialMovingAverage<Module>?
    public var keepsAverage: Bool { ema != nil }
    public let objective: Objective
    /// The decay of each EMA update: fixed, or from a half-life in images shown (`EMASchedule`).
    let emaSchedule: EMASchedule
    /// The first step (0-based) whose EMA update averages; before it the EMA copies G (BigGAN's
    /// `ema_start`). 0: averaging from the start.
    public let emaStart: Int
    public let classCount: Int
    public let latentDimension: Int
    public let dataShape: [Int]

    public init(generator: any GeneratorNetwork, discriminator: any DiscriminatorNetwork,
                generatorOptimizer: OptimizerSettings, discriminatorOptimizer: OptimizerSettings,
                ema emaSchedule: EMASchedule, emaStart: Int = 0, objective: Objective, classCount: Int, latentDimension: Int,
                dataShape: [Int]) {
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer.make(generator.parameters())
        self.discriminatorOptimizer = discriminatorOptimizer.make(discriminator.parameters())
        self.ema = emaSchedule.isOn
            ? ExponentialMovingAverage<Module>(model: generator, decay: emaSchedule.decay(batch: 1, imagesShown: 0)) : nil
        self.emaSchedule = emaSchedule
        self.objective = objective
        self.emaStart = emaStart
        self.classCount = classCount
        self.latentDimension = latentDimension
        self.dataShape = dataShape
    }

    public var networks: [(name: String, module: Module)] {
        [("generator", generator), ("discriminator", discriminator)]
    }

    public var optimizers: [(name: String, optimizer: Optimizer)] {
        [("optimizer_g", generatorOptimizer), ("optimizer_d", discriminatorOptimizer)]
    }

    public var stateParts: [StatePart] {
        [.network("generator", generator), .network("discriminator", discriminator),
         .optimizer("optimizer_g", generatorOptimizer), .optimizer("optimizer_d", discriminatorOptimizer)]
            + (ema.map { [.average("ema", $0)] } ?? [])
    }

    /// Draws latents `[count, latentDimension]` from N(0, 1).
    public func latents(count: Int, using rng: inout RandomGenerator) -> Tensor {
        Tensor.randomNormal([count, latentDimension], using: &rng)
    }

    // MARK: Training

    /// `objective.discriminatorSteps` discriminator steps, each on a fresh real batch, then one
    /// generator step.
    ///
    /// With one discriminator step the generated batch is reused for the generator step, as in
    /// `pytorch/examples/dcgan` (G runs forward once per iteration); with several, each critic
    /// step draws its own latents and the generator step a fresh batch.
    public func trainingStep(_ context: StepContext) throws -> StepMetrics {
        var metrics = StepMetrics()
        let reuse = objective.discriminatorSteps == 1
        var kept: (fake: Tensor, labels: [Int]?)?
        var lastLabels: [Int]?
        let dParameters = discriminator.parameters()
        for k in 0..<objective.discriminatorSteps {
            let batch = context.nextBatch()
            let real = batch.samples, n = real.shape[0]
            let labels = classCount > 0 ? batch.labels : nil
            lastLabels = labels
            let z = context.perSample(n) { latents(count: $0, using: &$1) }
            let fake = reuse ? generator.generate(z, labels: labels)
                             : withoutGradients { generator.generate(z, labels: labels) }
            let realScores = discriminator.score(real, labels: labels)
            let fakeScores = discriminator.score(fake.detach(), labels: labels)
            var loss = objective.loss.discriminatorLoss(real: realScores, fake: fakeScores)
            var penaltyNorm: Float?
            if let weight = objective.gradientPenaltyWeight {
                let d = discriminator
                let (penalty, norm) = GradientPenalty.penalty(
                    critic: { d.score($0, labels: labels) }, real: real, fake: fake, in: context)
                loss = loss + weight * penalty
                penaltyNorm = norm
            }
            let lossValue = try context.finiteValue(of: loss, "the discriminator loss")
            let grads = context.time("d_backward") { gradients(of: loss, wrt: dParameters.map(\.value)) }
            if k == objective.discriminatorSteps - 1 {
                metrics.loss("loss_d", lossValue, label: "loss D")
                if context.measure {
                    metrics.measure("d_real", objective.loss.reportedScore(realScores), label: "D(x)")
                    metrics.measure("d_fake", objective.loss.reportedScore(fakeScores), label: "D(G(z))")
                    metrics.measure("grad_norm_d", gradientNorm(grads), label: "|∇D|")
                }
                if let penaltyNorm { metrics.measure("gp_norm", penaltyNorm, label: "‖∇D(x̂)‖") }
            }
            context.apply(grads, to: discriminatorOptimizer)
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
            let n = metrics.realSamples / objective.discriminatorSteps
            let z = context.perSample(n) { latents(count: $0, using: &$1) }
            (fake, labels) = (generator.generate(z, labels: lastLabels), lastLabels)
        }
        var loss = objective.loss.generatorLoss(fake: discriminator.score(fake, labels: labels))
        metrics.loss("loss_g", try context.finiteValue(of: loss, "the generator loss"), label: "G")
        if let strength = objective.orthogonalRegularization, strength > 0 {
            let weights = generator.namedParameters()
                .filter { name, p in p.value.rank >= 2 && !objective.unregularizedPrefixes.contains { name.hasPrefix($0) } }
                .map(\.parameter.value)
            let penalty = OrthogonalRegularization.penalty(weights, strength: strength)
            if context.measure { metrics.measure("ortho", penalty.item, label: "R_β") }
            loss = loss + penalty
        }
        let grads = context.time("g_backward") { gradients(of: loss, wrt: generator.parameters().map(\.value)) }
        if context.measure { metrics.measure("grad_norm_g", gradientNorm(grads), label: "|∇G|") }
        context.apply(grads, to: generatorOptimizer)
        // The half-life counts the global batch's images (every rank's).
        let n = context.globalCount(fake.shape[0])
        ema?.update(decay: context.step < emaStart ? 0 : emaSchedule.decay(batch: n, imagesShown: context.step * n))
        return metrics
    }

    // MARK: Sampling

    /// Samples for `z` (and `options.labels` when conditional) from the EMA generator when there
    /// is one and `options.useAverage`, in evaluation mode, without recording a graph.
    public func generate(_ z: Tensor, options: GenerationOptions) -> Tensor {
        let network = (options.useAverage ? ema?.average as? any GeneratorNetwork : nil) ?? generator
        let wasTraining = network.isTraining
        network.eval()
        defer { network.train(wasTraining) }
        return withoutGradients { network.generate(z, labels: classCount > 0 ? options.labels : nil) }
    }

    /// 64 images from fixed latents (8 per class in columns when conditional), or 1,000 points
    /// for toy data.
    public func samplePicture(_ inputs: PreviewInputs) -> SamplePicture {
        var rng = RandomGenerator(seed: inputs.seed &+ 3)
        let isToy = dataShape == [2]
        let n = isToy ? 1000 : (classCount > 0 ? classCount * 8 : 64)
        let z = latents(count: n, using: &rng)
        let labels = classCount > 0 ? (0..<n).map { $0 % classCount } : nil
        let samples = generate(z, labels: labels)
        return isToy ? .points(samples, labels: labels) : .grid(samples, perRow: classCount > 0 ? classCount : 8)
    }
}
