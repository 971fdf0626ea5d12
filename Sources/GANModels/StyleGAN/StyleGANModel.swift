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
/// towards it (`GenerationOptions.psi`). The EMA of G (half-life 10k images, `EMASchedule`)
/// copies it at each update.
///
/// **Variant 2** (StyleGAN2, Karras et al. 2019): `StyleGAN2Generator` against
/// `StyleGAN2Discriminator`, the same losses, R1, mixing and `w_avg`, plus lazy **path-length
/// regularisation** of G (§3.2) on steps ≡ 0 mod `k_pl` (4): after G's batch, a second batch of
/// N / 2 (at least 1) draws, in this order, its styles as above, its noise maps and `y`
/// `[N/2, channels, S, S]` ~ N(0, 1) / √(S²); G's loss gains `w_pl · k_pl · penalty` with
/// `penalty` from `StyleGANRegularization.pathLength` against the running mean `pl_mean`, which
/// then takes the updated value. rosinality and the official code take a separate Adam step for
/// the regulariser; here it joins G's loss as R1 joins D's (one Adam step each per training step).
/// `pl_mean` is the checkpoint part `path_length.` (`mean`, a scalar), so a resume is exact.
///
/// Adam lr 1e-3, β (0, 0.99), ε 1e-8 for both (rosinality's StyleGAN2 uses 2e-3 with the lazy
/// regularisation's β and lr correction; kept at variant 1's here); the mapping network's lr is
/// 1e-3 × 0.01 through its equalised-learning-rate multiplier. Samples come from the EMA copy with
/// the noise inputs off (zero noise), so `gan sample` is a function of `z` alone.
///
/// Checkpoint parts: `generator.`, `discriminator.`, `optimizer_g.`, `optimizer_d.`, `ema.`, and
/// for variant 2 `path_length.`.
public final class StyleGANModel: StyleBasedModel {
    public let settings: StyleGANNetworkSettings
    /// 1 (StyleGAN) or 2 (StyleGAN2).
    public let variant: Int
    /// `StyleGANGenerator` (variant 1) or `StyleGAN2Generator` (variant 2).
    public let generator: any StyleSynthesisNetwork
    /// `StyleGANDiscriminator` (variant 1) or `StyleGAN2Discriminator` (variant 2).
    public let discriminator: any UnaryLayer
    public let generatorOptimizer: Optimizer
    public let discriminatorOptimizer: Optimizer
    /// The average of `generator` (its `average` has the generator's type: see `averageGenerator`).
    public let ema: ExponentialMovingAverage<Module>?
    public var keepsAverage: Bool { ema != nil }
    /// How fast the EMA follows G.
    let emaSchedule: EMASchedule
    /// γ of R1.
    public let r1Gamma: Float
    /// R1 runs on steps that are multiples of this.
    public let r1Interval: Int
    /// The probability of style mixing per batch.
    public let mixingProbability: Float
    /// The decay of `w_avg`.
    public let averageWDecay: Float
    /// Variant 2: the path-length penalty's weight (0 for variant 1 or when off).
    public let pathLengthWeight: Float
    /// Variant 2: the penalty runs on steps that are multiples of this, scaled by it.
    public let pathLengthInterval: Int
    /// Variant 2: the penalty's batch is the step's divided by this.
    public let pathLengthBatchShrink: Int
    /// Variant 2: the decay of `pathLengthMean`.
    public let pathLengthDecay: Float
    /// Variant 2: `pl_mean`, the running mean of the path lengths (0 at the start).
    public var pathLengthMean: Float = 0

    public init(config: StyleGANConfig, using rng: inout RandomGenerator) {
        settings = config.network
        variant = config.variant
        let g: any StyleSynthesisNetwork, d: any UnaryLayer
        if config.variant == 2 {
            g = StyleGAN2Generator(settings: settings, using: &rng)
            d = StyleGAN2Discriminator(settings: settings, using: &rng)
        } else {
            g = StyleGANGenerator(settings: settings, using: &rng)
            d = StyleGANDiscriminator(settings: settings, using: &rng)
        }
        generator = g
        discriminator = d
        generatorOptimizer = config.generatorOptimizer.make(g.parameters())
        discriminatorOptimizer = config.discriminatorOptimizer.make(d.parameters())
        emaSchedule = config.emaSchedule
        ema = emaSchedule.isOn ? ExponentialMovingAverage<Module>(model: g, decay: emaSchedule.decay(batch: 1, imagesShown: 0)) : nil
        r1Gamma = config.r1Gamma
        r1Interval = config.r1Interval
        mixingProbability = config.mixingProbability
        averageWDecay = config.averageWDecay
        pathLengthWeight = config.variant == 2 ? config.pathLengthWeight : 0
        pathLengthInterval = config.pathLengthInterval
        pathLengthBatchShrink = config.pathLengthBatchShrink
        pathLengthDecay = config.pathLengthDecay
    }

    /// The EMA copy of the generator, when there is one.
    public var averageGenerator: (any StyleSynthesisNetwork)? { ema.map { $0.average as! any StyleSynthesisNetwork } }

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
            + (variant == 2 ? [pathLengthPart] : [])
    }

    /// `path_length.mean`: `pl_mean`, a float32 scalar.
    private var pathLengthPart: StatePart {
        StatePart(prefix: "path_length", save: {
            var state = StateDict()
            state["mean"] = Tensor(self.pathLengthMean)
            return state
        }, check: { state, source in
            guard state.keys == ["mean"], let mean = state["mean"], mean.count == 1, mean.item.isFinite else {
                throw ModelError.checkpoint("\(source): path_length. must hold one finite scalar 'mean', got \(state.keys)")
            }
        }, load: { state, _ in
            self.pathLengthMean = state["mean"]!.item
        })
    }

    public var latentDimension: Int { settings.latentDimension }
    public var classCount: Int { 0 }
    public var dataShape: [Int] { settings.imageShape }
    public var truncatesInW: Bool { true }

    public func latents(count: Int, using rng: inout RandomGenerator) -> Tensor {
        Tensor.randomNormal([count, latentDimension], using: &rng)
    }

    /// One batch's styles (one `[N, nz]` per layer, mixed or not) and unmixed `w`, drawn as the
    /// type's description says (latents per sample through `context.perSample`, the mixing
    /// draws once per global batch); the mapping runs in the graph.
    func drawStyles(count n: Int, in context: StepContext) -> (styles: [Tensor], w: Tensor, crossover: Int?) {
        let layers = generator.styleCount
        let w = generator.mapping(context.perSample(n) { latents(count: $0, using: &$1) })
        guard context.rng.nextUniformDouble() < Double(mixingProbability), layers > 1 else {
            return (Array(repeating: w, count: layers), w, nil)
        }
        let second = generator.mapping(context.perSample(n) { latents(count: $0, using: &$1) })
        let crossover = 1 + Int(context.rng.nextUniformDouble() * Double(layers - 1))
        return ((0..<layers).map { $0 < crossover ? w : second }, w, crossover)
    }

    /// Whether step `step` adds R1.
    public func isR1Step(_ step: Int) -> Bool { r1Gamma > 0 && step % r1Interval == 0 }

    /// Whether step `step` adds the path-length penalty (variant 2).
    public func isPathLengthStep(_ step: Int) -> Bool { pathLengthWeight > 0 && step % pathLengthInterval == 0 }

    public func trainingStep(_ context: StepContext) throws -> StepMetrics {
        var metrics = StepMetrics()
        let batch = context.nextBatch().samples
        let n = batch.shape[0]
        let r1Step = isR1Step(context.step)

        let fake = withoutGradients {
            let (styles, _, _) = drawStyles(count: n, in: context)
            return generator.synthesize(styles: styles, noise: context.perSampleList(n) { generator.noise(count: $0, using: &$1) })
        }
        let real = r1Step ? batch.detach().requiringGradient() : batch
        let realScores = discriminator(real), fakeScores = discriminator(fake)
        var lossD = fakeScores.softplus().mean() + (-realScores).softplus().mean()
        var r1: Tensor?
        if r1Step {
            let penalty = StyleGANRegularization.r1(realScores: realScores, real: real)
            lossD = lossD + (r1Gamma / 2 * Float(r1Interval)) * penalty
            r1 = penalty
        }
        metrics.loss("loss_d", try context.finiteValue(of: lossD, "the discriminator's loss"), label: "D")
        let dGrads = gradients(of: lossD, wrt: discriminator.parameters().map(\.value))
        context.apply(dGrads, to: discriminatorOptimizer)

        let (styles, w, crossover) = drawStyles(count: n, in: context)
        let image = generator.synthesize(styles: styles, noise: context.perSampleList(n) { generator.noise(count: $0, using: &$1) })
        var lossG = (-discriminator(image)).softplus().mean()
        var pathLengths: Tensor?
        if isPathLengthStep(context.step) {
            let m = Swift.max(1, n / pathLengthBatchShrink)
            let (plStyles, _, _) = drawStyles(count: m, in: context)
            let plNoise = context.perSampleList(m) { generator.noise(count: $0, using: &$1) }
            let s = settings.imageSize, channels = settings.channels
            let direction = context.perSample(m) { Tensor.randomNormal([$0, channels, s, s], using: &$1) } / Float(s)
            let (penalty, lengths, mean) = StyleGANRegularization.pathLength(
                generator: generator, styles: plStyles, noise: plNoise, direction: direction,
                mean: pathLengthMean, decay: pathLengthDecay, batchMean: context.meanOverBatch)
            lossG = lossG + (pathLengthWeight * Float(pathLengthInterval)) * penalty
            pathLengthMean = mean
            pathLengths = lengths
        }
        metrics.loss("loss_g", try context.finiteValue(of: lossG, "the generator's loss"), label: "G")
        let gGrads = gradients(of: lossG, wrt: generator.parameters().map(\.value))
        context.apply(gGrads, to: generatorOptimizer)
        withoutGradients {
            let mean = context.averaged(w.detach().mean(axes: [0]))
            generator.averageW.value = mean + averageWDecay * (generator.averageW.value - mean)
        }
        ema?.update(decay: emaSchedule.decay(batch: context.globalCount(n), imagesShown: context.step * context.globalCount(n)))

        if context.measure {
            metrics.measure("d_real", realScores.mean().item, label: "D(x)")
            metrics.measure("d_fake", fakeScores.mean().item, label: "D(G(z))")
            if let r1 { metrics.measure("r1", r1.item, label: "R1") }
            if let pathLengths {
                metrics.measure("pl", pathLengths.mean().item, label: "pl")
                metrics.measure("pl_mean", pathLengthMean, label: "pl_mean")
            }
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
        synthesize(styles: Array(repeating: mapped(z, options: options), count: generator.styleCount), options: options)
    }

    /// 64 samples, 8 to a row.
    public func samplePicture(_ inputs: PreviewInputs) -> SamplePicture {
        .grid(generate(latents(count: 64, seed: inputs.seed &+ 3)), perRow: 8)
    }

    // MARK: - Styles

    /// Two styles per resolution in both variants (StyleGAN2's ToRGB of a level shares the
    /// style of the next level's first conv).
    public var styleSides: [Int] { (0..<generator.styleCount).map { settings.side(layer: $0) } }

    /// The network samples come from: the EMA copy when there is one and `options` asks for it.
    private func samplingNetwork(_ options: GenerationOptions) -> any StyleSynthesisNetwork {
        (options.useAverage ? averageGenerator : nil) ?? generator
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
