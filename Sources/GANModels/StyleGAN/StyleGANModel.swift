import GANData
import GANLayers
import GANTensor

/// StyleGAN (Karras et al. 2018): the style-based generator against ProGAN's discriminator at
/// full size, trained with the non-saturating logistic loss and a lazy R1 penalty on reals
/// (StyleGAN2's schedule, Karras et al. 2019, §B), one D step per G step, each on fresh latents:
///
/// ```text
/// D: E[softplus(D(G(z₁)))] + E[softplus(−D(x))]  (+ γ/2 · E[‖∇ₓD(x)‖²] · k  on steps ≡ 0 mod k)
/// G: E[softplus(−D(G(z₂)))]
/// ```
/// with γ the preset's (10 at 28×28) and k = 16. On an R1 step the real scores of the loss and
/// of the penalty are one forward pass (the reals require a gradient).
///
/// **Style mixing** (§3.1): with probability `mixingProbability` per batch a second latent is
/// drawn and the layers from a crossover in 1 … layers − 1 take its `w`. Per batch the step draws
/// from `context.rng`, in this order: `z` `[N, nz]`, `u` (a uniform double; mixing when
/// `u < p`), when mixing `z'` `[N, nz]` and the crossover `1 + ⌊v·(layers − 1)⌋` (`v` uniform),
/// then the noise maps, layer by layer. D's batch is drawn first, then G's.
///
/// **`w_avg`** (G's buffer, in the checkpoint with G): after each G step it moves towards the
/// mean of that batch's unmixed `w`, `w_avg ← w̄ + 0.995·(w_avg − w̄)`; truncation in W pulls
/// towards it (`GenerationOptions.psi`). The EMA of G (decay 0.999) copies it at each update.
///
/// Adam lr 1e-3, β (0, 0.99), ε 1e-8 for both; the mapping network's lr is 1e-3 × 0.01 through
/// its equalised-learning-rate multiplier. Samples come from the EMA copy with the noise inputs
/// off (zero noise), so `gan sample` is a function of `z` alone.
///
/// Checkpoint parts: `generator.`, `discriminator.`, `optimizer_g.`, `optimizer_d.`, `ema.`.
public final class StyleGANModel: StyleBasedModel {
    public let settings: StyleGANNetworkSettings
    public let generator: StyleGANGenerator
    public let discriminator: StyleGANDiscriminator
    public let generatorOptimizer: Optimizer
    public let discriminatorOptimizer: Optimizer
    public let ema: ExponentialMovingAverage<StyleGANGenerator>?
    /// γ of R1.
    public let r1Gamma: Float
    /// R1 runs on steps that are multiples of this.
    public let r1Interval: Int
    /// The probability of style mixing per batch.
    public let mixingProbability: Float
    /// The decay of `w_avg`.
    public let averageWDecay: Float

    public init(config: StyleGANConfig, using rng: inout RandomGenerator) {
        settings = config.network
        let g = StyleGANGenerator(settings: settings, using: &rng), d = StyleGANDiscriminator(settings: settings, using: &rng)
        generator = g
        discriminator = d
        generatorOptimizer = config.generatorOptimizer.make(g.parameters())
        discriminatorOptimizer = config.discriminatorOptimizer.make(d.parameters())
        ema = config.emaDecay.map { ExponentialMovingAverage(model: g, decay: $0) }
        r1Gamma = config.r1Gamma
        r1Interval = config.r1Interval
        mixingProbability = config.mixingProbability
        averageWDecay = config.averageWDecay
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

    public var latentDimension: Int { settings.latentDimension }
    public var classCount: Int { 0 }
    public var dataShape: [Int] { settings.imageShape }
    public var truncatesInW: Bool { true }

    public func latents(count: Int, using rng: inout RandomGenerator) -> Tensor {
        Tensor.randomNormal([count, latentDimension], using: &rng)
    }

    /// One batch's styles (one `[N, nz]` per layer, mixed or not) and unmixed `w`, drawn as the
    /// type's description says; the mapping runs in the graph.
    func drawStyles(count n: Int, using rng: inout RandomGenerator) -> (styles: [Tensor], w: Tensor, crossover: Int?) {
        let layers = settings.styleLayers
        let w = generator.mapping(latents(count: n, using: &rng))
        guard rng.nextUniformDouble() < Double(mixingProbability), layers > 1 else {
            return (Array(repeating: w, count: layers), w, nil)
        }
        let second = generator.mapping(latents(count: n, using: &rng))
        let crossover = 1 + Int(rng.nextUniformDouble() * Double(layers - 1))
        return ((0..<layers).map { $0 < crossover ? w : second }, w, crossover)
    }

    /// Whether step `step` adds R1.
    public func isR1Step(_ step: Int) -> Bool { r1Gamma > 0 && step % r1Interval == 0 }

    public func trainingStep(_ context: StepContext) throws -> StepMetrics {
        var metrics = StepMetrics()
        let batch = context.nextBatch().samples
        let n = batch.shape[0]
        let r1Step = isR1Step(context.step)

        let fake = withoutGradients {
            let (styles, _, _) = drawStyles(count: n, using: &context.rng)
            return generator.synthesize(styles: styles, noise: generator.noise(count: n, using: &context.rng))
        }
        let real = r1Step ? batch.detach().requiringGradient() : batch
        let realScores = discriminator(real), fakeScores = discriminator(fake)
        var lossD = fakeScores.softplus().mean() + (-realScores).softplus().mean()
        var r1: Tensor?
        if r1Step {
            let gradient = gradients(of: realScores.sum(), wrt: [real], createGraph: true)[0]
            let penalty = gradient.reshaped([n, -1]).square().sum(axis: 1).mean()
            lossD = lossD + (r1Gamma / 2 * Float(r1Interval)) * penalty
            r1 = penalty
        }
        metrics.loss("loss_d", try context.finiteValue(of: lossD, "the discriminator's loss"), label: "D")
        let dGrads = gradients(of: lossD, wrt: discriminator.parameters().map(\.value))
        context.apply(dGrads, to: discriminatorOptimizer)

        let (styles, w, crossover) = drawStyles(count: n, using: &context.rng)
        let image = generator.synthesize(styles: styles, noise: generator.noise(count: n, using: &context.rng))
        let lossG = (-discriminator(image)).softplus().mean()
        metrics.loss("loss_g", try context.finiteValue(of: lossG, "the generator's loss"), label: "G")
        let gGrads = gradients(of: lossG, wrt: generator.parameters().map(\.value))
        context.apply(gGrads, to: generatorOptimizer)
        withoutGradients {
            let mean = w.detach().mean(axes: [0])
            generator.averageW.value = mean + averageWDecay * (generator.averageW.value - mean)
        }
        ema?.update()

        if context.measure {
            metrics.measure("d_real", realScores.mean().item, label: "D(x)")
            metrics.measure("d_fake", fakeScores.mean().item, label: "D(G(z))")
            if let r1 { metrics.measure("r1", r1.item, label: "R1") }
            metrics.measure("crossover", Float(crossover ?? 0), label: "mix")
            metrics.measure("grad_norm_d", gradientNorm(dGrads), label: "|∇D|")
            metrics.measure("grad_norm_g", gradientNorm(gGrads), label: "|∇G|")
        }
        metrics.realSamples = n
        return metrics
    }

    /// Samples from the EMA copy when there is one, zero noise, truncated in W when
    /// `options.psi` is set (below `options.truncationCutoff` layers when set).
    public func generate(_ z: Tensor, options: GenerationOptions) -> Tensor {
        synthesize(styles: Array(repeating: mapped(z, options: options), count: settings.styleLayers), options: options)
    }

    /// 64 samples, 8 to a row.
    public func samplePicture(_ inputs: PreviewInputs) -> SamplePicture {
        .grid(generate(latents(count: 64, seed: inputs.seed &+ 3)), perRow: 8)
    }

    // MARK: - Styles

    public var styleSides: [Int] { (0..<settings.styleLayers).map { settings.side(layer: $0) } }

    /// The network samples come from: the EMA copy when there is one and `options` asks for it.
    private func samplingNetwork(_ options: GenerationOptions) -> StyleGANGenerator {
        (options.useAverage ? ema?.average : nil) ?? generator
    }

    public func mapped(_ z: Tensor, options: GenerationOptions) -> Tensor {
        withoutGradients { samplingNetwork(options).mapping(z) }
    }

    public func synthesize(styles: [Tensor], options: GenerationOptions) -> Tensor {
        let network = samplingNetwork(options)
        return withoutGradients {
            network.synthesize(styles: network.truncated(styles: styles, psi: options.psi, cutoff: options.truncationCutoff),
                               noise: network.zeroNoise(count: styles[0].shape[0]))
        }
    }
}
