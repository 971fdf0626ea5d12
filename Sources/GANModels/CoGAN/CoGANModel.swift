import GANData
import GANLayers
import GANTensor

/// CoGAN's pair of GANs (Liu & Tuzel 2016) trained as one: the generators share their first
/// layers and the discriminators their last, so the shared layers learn what the two domains
/// have in common and one latent gives a corresponding pair. Each step draws a real batch of
/// each domain (independently: no pairs in the data), one latent batch for both generators,
/// and updates each shared parameter once from the sum of both domains' losses:
///
/// ```text
/// D: ℓ_D(D_a(x_a), D_a(G_a(z))) + ℓ_D(D_b(x_b), D_b(G_b(z)))
/// G: ℓ_G(D_a(G_a(z))) + ℓ_G(D_b(G_b(z)))
/// ```
/// Checkpoint parts: `generators.`, `discriminators.`, `optimizer_g.`, `optimizer_d.`, `ema.`.
public final class CoGANModel: LatentModel {
    public let settings: CoGANNetworkSettings
    public let generators: CoGANGenerators
    public let discriminators: CoGANDiscriminators
    public let generatorOptimizer: Optimizer
    public let discriminatorOptimizer: Optimizer
    /// An average of both generators (sharing kept: it copies the one module).
    public let ema: ExponentialMovingAverage<CoGANGenerators>?
    public var keepsAverage: Bool { ema != nil }
    public let loss: AdversarialLoss

    public init(config: CoGANConfig, using rng: inout RandomGenerator) {
        settings = config.network
        let g = settings.makeGenerators(using: &rng), d = settings.makeDiscriminators(using: &rng)
        generators = g
        discriminators = d
        generatorOptimizer = config.generatorOptimizer.make(g.parameters())
        discriminatorOptimizer = config.discriminatorOptimizer.make(d.parameters())
        ema = config.emaDecay.map { ExponentialMovingAverage(model: g, decay: $0) }
        loss = config.loss
    }

    public var networks: [(name: String, module: Module)] {
        [("generators", generators), ("discriminators", discriminators)]
    }

    public var optimizers: [(name: String, optimizer: Optimizer)] {
        [("optimizer_g", generatorOptimizer), ("optimizer_d", discriminatorOptimizer)]
    }

    public var stateParts: [StatePart] {
        [.network("generators", generators), .network("discriminators", discriminators),
         .optimizer("optimizer_g", generatorOptimizer), .optimizer("optimizer_d", discriminatorOptimizer)]
            + (ema.map { [.average("ema", $0)] } ?? [])
    }

    /// Parameters of the pair, each shared one once, and of two separate GANs of the same networks.
    public var parameterCounts: (coupled: Int, separate: Int) {
        let shared = generators.shared.parameterCount + discriminators.shared.parameterCount
        return (parameterCount, parameterCount + shared)
    }

    public var parameterSummary: String {
        "parameters: \(parameterCounts.coupled) (two separate GANs of these networks: \(parameterCounts.separate))"
    }

    public var latentDimension: Int { settings.latentDimension }
    public var classCount: Int { 0 }
    public var dataShape: [Int] { settings.dataShape }
    public var domainNames: [String] { ["A", "B"] }

    public func latents(count: Int, using rng: inout RandomGenerator) -> Tensor {
        Tensor.randomNormal([count, latentDimension], using: &rng)
    }

    public func trainingStep(_ context: StepContext) throws -> StepMetrics {
        var metrics = StepMetrics()
        let realA = context.nextBatch(domain: 0).samples, realB = context.nextBatch(domain: 1).samples
        let n = realA.shape[0]
        let z = context.perSample(n) { latents(count: $0, using: &$1) }
        let fake = generators.generatePair(z)

        let real = discriminators.scorePair(a: realA, b: realB)
        let fakeScores = discriminators.scorePair(a: fake.a.detach(), b: fake.b.detach())
        let lossDA = loss.discriminatorLoss(real: real.a, fake: fakeScores.a)
        let lossDB = loss.discriminatorLoss(real: real.b, fake: fakeScores.b)
        let lossD = lossDA + lossDB
        metrics.loss("loss_d", try context.finiteValue(of: lossD, "the discriminators' loss"), label: "D")
        let dGrads = gradients(of: lossD, wrt: discriminators.parameters().map(\.value))
        context.apply(dGrads, to: discriminatorOptimizer)

        let scores = discriminators.scorePair(a: fake.a, b: fake.b)
        let lossG = loss.generatorLoss(fake: scores.a) + loss.generatorLoss(fake: scores.b)
        metrics.loss("loss_g", try context.finiteValue(of: lossG, "the generators' loss"), label: "G")
        let gGrads = gradients(of: lossG, wrt: generators.parameters().map(\.value))
        context.apply(gGrads, to: generatorOptimizer)
        ema?.update()

        if context.measure {
            metrics.measure("loss_d_a", lossDA.item, label: "D_a")
            metrics.measure("loss_d_b", lossDB.item, label: "D_b")
            metrics.measure("d_real_a", loss.reportedScore(real.a), label: "D_a(x)")
            metrics.measure("d_real_b", loss.reportedScore(real.b), label: "D_b(x)")
            metrics.measure("d_fake_a", loss.reportedScore(fakeScores.a), label: "D_a(G(z))")
            metrics.measure("d_fake_b", loss.reportedScore(fakeScores.b), label: "D_b(G(z))")
            metrics.measure("grad_norm_d", gradientNorm(dGrads), label: "|∇D|")
            metrics.measure("grad_norm_g", gradientNorm(gGrads), label: "|∇G|")
        }
        metrics.realSamples = n + realB.shape[0]
        return metrics
    }

    /// Domain `options.domain` (0: A, 1: B) from the EMA copy when there is one, in evaluation mode.
    public func generate(_ z: Tensor, options: GenerationOptions) -> Tensor {
        precondition(options.domain == 0 || options.domain == 1, "CoGANModel: no domain \(options.domain) (0: A, 1: B)")
        let network = (options.useAverage ? ema?.average : nil) ?? generators
        let wasTraining = network.isTraining
        network.eval()
        defer { network.train(wasTraining) }
        return withoutGradients { network.generate(z, domain: options.domain == 0 ? .a : .b) }
    }

    /// 32 latents, each as its A and B image side by side, four pairs to a row.
    public func samplePicture(_ inputs: PreviewInputs) -> SamplePicture {
        var rng = RandomGenerator(seed: inputs.seed &+ 3)
        let z = latents(count: 32, using: &rng)
        let a = generate(z, options: GenerationOptions(domain: 0)), b = generate(z, options: GenerationOptions(domain: 1))
        return .grid(Tensor.stack([a, b], axis: 1).reshaped([64] + dataShape), perRow: 8)
    }
}
