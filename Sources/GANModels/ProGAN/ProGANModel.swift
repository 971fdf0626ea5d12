import GANData
import GANLayers
import GANTensor

/// ProGAN (Karras et al. 2017): G and D grown level by level on the `ProGANSchedule`, trained
/// with WGAN-GP plus the drift term, one D step per G step, each on fresh latents, as the
/// official `loss.py`:
///
/// ```text
/// D: E[D(G(z₁))] − E[D(x)] + λ·E[(‖∇D(x̂)‖ − 1)²] + ε_drift·E[D(x)²]      λ 10, ε_drift 0.001
/// G: −E[D(G(z₂))]
/// ```
/// at the growth `(d, α)` of the images shown before the step: the real batch is average-pooled
/// to side `b·2^d` and, in a transition, faded like G's output,
/// `α·x + (1 − α)·upsample(avgpool(x))` (the official `process_reals`). Adam lr 1e-3, β (0, 0.99),
/// ε 1e-8; an EMA of G (half-life 10k images, `EMASchedule`) draws the samples.
///
/// **Blocks not in use get no gradient.** Only the parameters the output at `(d, α)` depends on
/// reach the optimisers (`parameters(at:)`); the others' Adam moments and step counts stay
/// absent until their level starts, as in PyTorch when `grad` is `None` (a zero gradient would
/// still decay their moments and advance their bias correction). The official code resets
/// Adam at every change of level instead; here the levels already trained keep their moments.
///
/// **The growth is a function of the images shown**, `step × batch size`, taken from the step
/// number, so a resumed run continues mid-fade with the same α. The checkpoint part `progan.`
/// holds `images_shown`, `depth` and `alpha` for `gan sample` and the PyTorch checker.
///
/// Checkpoint parts: `generator.`, `discriminator.`, `optimizer_g.`, `optimizer_d.`, `ema.`, `progan.`.
public final class ProGANModel: LatentModel {
    public let settings: ProGANNetworkSettings
    public let schedule: ProGANSchedule
    public let generator: ProGANGenerator
    public let discriminator: ProGANDiscriminator
    public let generatorOptimizer: Optimizer
    public let discriminatorOptimizer: Optimizer
    public let ema: ExponentialMovingAverage<ProGANGenerator>?
    public var keepsAverage: Bool { ema != nil }
    /// How fast the EMA follows G.
    let emaSchedule: EMASchedule
    /// λ of the gradient penalty.
    public let gradientPenaltyWeight: Float
    /// ε_drift, the weight of `E[D(x)²]`.
    public let driftWeight: Float
    /// Real images shown in the steps done: what samples grow to (the step derives its own).
    public private(set) var imagesShown = 0

    public init(config: ProGANConfig, using rng: inout RandomGenerator) {
        settings = config.network
        schedule = ProGANSchedule(levels: config.network.levels, phaseImages: config.phaseImages)
        let g = ProGANGenerator(settings: settings, using: &rng), d = ProGANDiscriminator(settings: settings, using: &rng)
        generator = g
        discriminator = d
        generatorOptimizer = config.generatorOptimizer.make(g.parameters())
        discriminatorOptimizer = config.discriminatorOptimizer.make(d.parameters())
        emaSchedule = config.emaSchedule
        ema = emaSchedule.isOn ? ExponentialMovingAverage(model: g, decay: emaSchedule.decay(batch: 1, imagesShown: 0)) : nil
        gradientPenaltyWeight = config.gradientPenaltyWeight
        driftWeight = config.driftWeight
    }

    /// The growth samples are drawn at: that of the next step.
    public var growth: ProGANGrowth { schedule.growth(afterImages: imagesShown) }

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
            + [StatePart(prefix: "progan", save: { self.growthState() },
                         check: { _ = try self.imagesShown(in: $0, source: $1) },
                         load: { self.imagesShown = try self.imagesShown(in: $0, source: $1) })]
    }

    public var latentDimension: Int { settings.latentDimension }
    public var classCount: Int { 0 }
    public var dataShape: [Int] { settings.imageShape }

    public func latents(count: Int, using rng: inout RandomGenerator) -> Tensor {
        Tensor.randomNormal([count, latentDimension], using: &rng)
    }

    /// Full-size real images `[N, C, S, S]` as D sees them at `growth`: average-pooled to side
    /// `b·2^d` and, in a transition, `α·x + (1 − α)·upsample(avgpool(x))`.
    public func realImages(_ x: Tensor, at growth: ProGANGrowth) -> Tensor {
        let factor = settings.imageSize / settings.side(depth: growth.depth)
        var y = factor > 1 ? x.avgPool2d(kernelSize: (factor, factor)) : x
        if growth.isFading {
            y = (1 - growth.alpha) * y.downsampled2x().upsampledNearest(scale: 2) + growth.alpha * y
        }
        return y
    }

    public func trainingStep(_ context: StepContext) throws -> StepMetrics {
        var metrics = StepMetrics()
        let batch = context.nextBatch().samples
        let n = batch.shape[0]
        let before = context.step * context.globalCount(n)
        let growth = schedule.growth(afterImages: before)
        let real = realImages(batch, at: growth)
        let critic = { (x: Tensor) in self.discriminator(x, growth: growth) }

        let fake = withoutGradients { generator(context.perSample(n) { latents(count: $0, using: &$1) }, growth: growth) }
        let realScores = critic(real), fakeScores = critic(fake)
        let (penalty, interpolateNorm) = GradientPenalty.penalty(critic: critic, real: real, fake: fake, in: context)
        let drift = realScores.square().mean()
        let lossD = fakeScores.mean() - realScores.mean() + gradientPenaltyWeight * penalty + driftWeight * drift
        metrics.loss("loss_d", try context.finiteValue(of: lossD, "the discriminator's loss"), label: "D")
        let dParameters = discriminator.parameters(at: growth)
        let dGrads = gradients(of: lossD, wrt: dParameters.map(\.value))
        context.apply(Self.placed(dGrads, of: dParameters, in: discriminatorOptimizer), to: discriminatorOptimizer)

        let lossG = -critic(generator(context.perSample(n) { latents(count: $0, using: &$1) }, growth: growth)).mean()
        metrics.loss("loss_g", try context.finiteValue(of: lossG, "the generator's loss"), label: "G")
        let gParameters = generator.parameters(at: growth)
        let gGrads = gradients(of: lossG, wrt: gParameters.map(\.value))
        context.apply(Self.placed(gGrads, of: gParameters, in: generatorOptimizer), to: generatorOptimizer)
        ema?.update(decay: emaSchedule.decay(batch: context.globalCount(n), imagesShown: before))

        imagesShown = before + context.globalCount(n)
        if let level = schedule.levelFinished(after: before, upTo: imagesShown) {
            let side = settings.side(depth: level)
            metrics.pictureName = "phase-\(side)x\(side)"
        }
        if context.measure {
            metrics.measure("d_real", realScores.mean().item, label: "D(x)")
            metrics.measure("d_fake", fakeScores.mean().item, label: "D(G(z))")
            metrics.measure("gradient_penalty", penalty.item, label: "GP")
            metrics.measure("grad_norm_interpolates", interpolateNorm, label: "|∇D(x̂)|")
            metrics.measure("drift", drift.item, label: "E[D(x)²]")
            metrics.measure("side", Float(settings.side(depth: growth.depth)), label: "side")
            metrics.measure("alpha", growth.alpha, label: "α")
            metrics.measure("grad_norm_d", gradientNorm(dGrads), label: "|∇D|")
            metrics.measure("grad_norm_g", gradientNorm(gGrads), label: "|∇G|")
        }
        metrics.realSamples = n
        return metrics
    }

    /// Gradients of `used` (in order) at their positions in `optimizer`'s parameter list; `nil`
    /// for the parameters not in use.
    static func placed(_ gradients: [Tensor], of used: [Parameter], in optimizer: Optimizer) -> [Tensor?] {
        let byParameter = Dictionary(uniqueKeysWithValues: zip(used.map(ObjectIdentifier.init), gradients))
        return optimizer.parameters.map { byParameter[ObjectIdentifier($0)] }
    }

    /// Samples at the current growth, up-sampled (nearest) to the full side, from the EMA copy
    /// when there is one.
    public func generate(_ z: Tensor, options: GenerationOptions) -> Tensor {
        let network = (options.useAverage ? ema?.average : nil) ?? generator
        let growth = growth
        let images = withoutGradients { network(z, growth: growth) }
        return images.upsampledNearest(scale: settings.imageSize / settings.side(depth: growth.depth))
    }

    /// 64 samples, 8 to a row, at the full side whatever the depth.
    public func samplePicture(_ inputs: PreviewInputs) -> SamplePicture {
        .grid(generate(latents(count: 64, seed: inputs.seed &+ 3)), perRow: 8)
    }

    public var parameterSummary: String {
        "parameters: generator \(generator.parameterCount), discriminator \(discriminator.parameterCount); "
            + "growth \(growth) at \(imagesShown) images"
    }

    // MARK: - The growth in the checkpoint

    private func growthState() -> StateDict {
        let growth = growth
        var state = StateDict()
        state.insert("images_shown", Tensor(Float(imagesShown)), dtype: .int64)
        state.insert("depth", Tensor(Float(growth.depth)), dtype: .int64)
        state.insert("alpha", Tensor(growth.alpha))
        return state
    }

    /// The image count of a `progan.` part, checked against the schedule (a checkpoint of
    /// another phase length would grow differently).
    private func imagesShown(in state: StateDict, source: String) throws -> Int {
        let expected = ["images_shown", "depth", "alpha"]
        let missing = expected.filter { state[$0] == nil }, unexpected = state.keys.filter { !expected.contains($0) }
        let misshaped = expected.compactMap { name in
            state[name].flatMap { $0.shape == [] ? nil : CheckpointError.ShapeMismatch(name: name, found: $0.shape, expected: []) }
        }
        guard missing.isEmpty, unexpected.isEmpty, misshaped.isEmpty else {
            throw CheckpointError.stateMismatch(file: source, missing: missing, unexpected: unexpected, misshaped: misshaped)
        }
        let value = state["images_shown"]!.item
        guard value.isFinite, value >= 0, value.rounded() == value, value < 0x1p53 else {
            throw CheckpointError.unrepresentable(file: source, tensor: "images_shown", reason: "is \(value), expected a count")
        }
        let growth = schedule.growth(afterImages: Int(value))
        guard state["depth"]!.item == Float(growth.depth), state["alpha"]!.item == growth.alpha else {
            throw ModelError.checkpoint("\(source): progan.depth \(state["depth"]!.item) and alpha \(state["alpha"]!.item) "
                + "are not the schedule's \(growth) after \(Int(value)) images (\(schedule.phaseImages) per phase)")
        }
        return Int(value)
    }
}
