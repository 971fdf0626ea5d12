import GANData
import GANLayers
import GANTensor

/// CycleGAN's two generators (A→B, B→A), two PatchGAN discriminators (one per domain), their
/// optimisers and image pools, and the step of `cycle_gan_model.py`:
///
/// ```text
/// fake_B = G_ab(A), rec_A = G_ba(fake_B), fake_A = G_ba(B), rec_B = G_ab(fake_A)
/// G:  ‖D_b(fake_B) − 1‖² + ‖D_a(fake_A) − 1‖²                    least squares (means)
///     + λ (|rec_A − A|₁ + |rec_B − B|₁)                           cycle consistency
///     + λ·λ_id (|G_ab(B) − B|₁ + |G_ba(A) − A|₁)                  identity
/// D_b: ½ (‖D_b(B) − 1‖² + ‖D_b(pool_B(fake_B))‖²), D_a likewise with pool_A(fake_A)
/// ```
/// One Adam over both generators, one over both discriminators, G updated first.
/// Checkpoint parts: `generator_a2b.`, `generator_b2a.`, `discriminator_a.`, `discriminator_b.`,
/// `optimizer_g.`, `optimizer_d.`, `pool_a.`, `pool_b.`.
public final class CycleGANModel: TranslationModel {
    public let settings: CycleGANNetworkSettings
    public let generatorAToB: CycleGANGenerator
    public let generatorBToA: CycleGANGenerator
    /// Judges images of domain A (real A against G_ba's output).
    public let discriminatorA: CycleGANDiscriminator
    /// Judges images of domain B.
    public let discriminatorB: CycleGANDiscriminator
    public let generatorOptimizer: Optimizer
    public let discriminatorOptimizer: Optimizer
    /// Generated A images shown to D_a.
    public let poolA: CycleGANImagePool
    /// Generated B images shown to D_b.
    public let poolB: CycleGANImagePool
    public let cycleWeight: Float
    public let identityWeight: Float

    /// Builds G_ab, G_ba, D_a, D_b in that order from `rng` (N(0, 0.02) weights).
    public init(config: CycleGANConfig, using rng: inout RandomGenerator) {
        settings = config.network
        generatorAToB = CycleGANGenerator(settings: settings, using: &rng)
        generatorBToA = CycleGANGenerator(settings: settings, using: &rng)
        discriminatorA = CycleGANDiscriminator(settings: settings, using: &rng)
        discriminatorB = CycleGANDiscriminator(settings: settings, using: &rng)
        generatorOptimizer = config.generatorOptimizer.make(generatorAToB.parameters() + generatorBToA.parameters())
        discriminatorOptimizer = config.discriminatorOptimizer.make(discriminatorA.parameters() + discriminatorB.parameters())
        poolA = CycleGANImagePool(capacity: config.poolSize)
        poolB = CycleGANImagePool(capacity: config.poolSize)
        cycleWeight = config.cycleWeight
        identityWeight = config.identityWeight
    }

    public var networks: [(name: String, module: Module)] {
        [("generator_a2b", generatorAToB), ("generator_b2a", generatorBToA),
         ("discriminator_a", discriminatorA), ("discriminator_b", discriminatorB)]
    }

    public var optimizers: [(name: String, optimizer: Optimizer)] {
        [("optimizer_g", generatorOptimizer), ("optimizer_d", discriminatorOptimizer)]
    }

    public var stateParts: [StatePart] {
        networks.map { StatePart.network($0.name, $0.module) }
            + optimizers.map { StatePart.optimizer($0.name, $0.optimizer) }
            + [("pool_a", poolA), ("pool_b", poolB)].map { name, pool in
                StatePart(prefix: name, save: { pool.stateDict() },
                          check: { [settings] state, source in
                              let probe = CycleGANImagePool(capacity: pool.capacity)
                              try probe.load(stateDict: state, source: source)
                              if let image = probe.images.first, image.shape != settings.imageShape {
                                  throw ModelError.checkpoint("\(source): the image pool '\(name)' holds images \(image.shape); "
                                      + "this run's networks take \(settings.imageShape)")
                              }
                          },
                          load: { try pool.load(stateDict: $0, source: $1) })
            }
    }

    public var domainShapes: (a: [Int], b: [Int]) { (settings.imageShape, settings.imageShape) }

    // MARK: Training

    public func trainingStep(_ context: StepContext) throws -> StepMetrics {
        let realA = context.nextBatch(domain: 0).samples, realB = context.nextBatch(domain: 1).samples
        var metrics = StepMetrics()

        // Generators, with the discriminators fixed.
        let fakeB = generatorAToB(realA), reconstructedA = generatorBToA(fakeB)
        let fakeA = generatorBToA(realB), reconstructedB = generatorAToB(fakeA)
        let ganAB = (discriminatorB(fakeB) - 1).square().mean()
        let ganBA = (discriminatorA(fakeA) - 1).square().mean()
        let cycleA = (reconstructedA - realA).abs().mean() * cycleWeight
        let cycleB = (reconstructedB - realB).abs().mean() * cycleWeight
        var lossG = ganAB + ganBA + cycleA + cycleB
        var identity: (a: Tensor, b: Tensor)?
        if identityWeight > 0 {
            // G_ab should leave B images as they are, G_ba A images.
            let b = (generatorAToB(realB) - realB).abs().mean() * (cycleWeight * identityWeight)
            let a = (generatorBToA(realA) - realA).abs().mean() * (cycleWeight * identityWeight)
            identity = (a, b)
            lossG = lossG + a + b
        }
        metrics.loss("loss_g", try context.finiteValue(of: lossG, "the generators' loss"), label: "G")
        let gParameters = generatorAToB.parameters() + generatorBToA.parameters()
        let gGrads = gradients(of: lossG, wrt: gParameters.map(\.value))
        context.apply(gGrads, to: generatorOptimizer)

        // Discriminators, on real images and pooled fakes.
        let pooledB = poolB.query(fakeB, using: &context.rng)
        let pooledA = poolA.query(fakeA, using: &context.rng)
        let lossDB = 0.5 * ((discriminatorB(realB) - 1).square().mean() + discriminatorB(pooledB).square().mean())
        let lossDA = 0.5 * ((discriminatorA(realA) - 1).square().mean() + discriminatorA(pooledA).square().mean())
        let lossD = lossDA + lossDB
        _ = try context.finiteValue(of: lossD, "the discriminators' loss")
        metrics.loss("loss_d_a", lossDA.item, label: "D_a")
        metrics.loss("loss_d_b", lossDB.item, label: "D_b")
        let dGrads = gradients(of: lossD, wrt: (discriminatorA.parameters() + discriminatorB.parameters()).map(\.value))
        context.apply(dGrads, to: discriminatorOptimizer)

        if context.measure {
            metrics.measure("loss_gan_a2b", ganAB.item, label: "GAN a→b")
            metrics.measure("loss_gan_b2a", ganBA.item, label: "GAN b→a")
            metrics.measure("loss_cycle_a", cycleA.item, label: "cycle A")
            metrics.measure("loss_cycle_b", cycleB.item, label: "cycle B")
            if let identity {
                metrics.measure("loss_idt_a", identity.a.item, label: "idt A")
                metrics.measure("loss_idt_b", identity.b.item, label: "idt B")
            }
            metrics.measure("grad_norm_g", gradientNorm(gGrads), label: "|∇G|")
            metrics.measure("grad_norm_d", gradientNorm(dGrads), label: "|∇D|")
        }
        metrics.realSamples = realA.shape[0]
        return metrics
    }

    // MARK: Translation

    public func translate(_ images: Tensor, direction: TranslationDirection) -> Tensor {
        let network = direction == .aToB ? generatorAToB : generatorBToA
        let wasTraining = network.isTraining
        network.eval()
        defer { network.train(wasTraining) }
        return withoutGradients { network(images) }
    }

    /// Six rows: held-out A images, their translations to B and back; the same for B.
    public func samplePicture(_ inputs: PreviewInputs) -> SamplePicture {
        precondition(inputs.samples.count == 2, "CycleGANModel: preview images of both domains expected")
        let a = inputs.samples[0], b = inputs.samples[1]
        let ab = translate(a, direction: .aToB), ba = translate(b, direction: .bToA)
        let rows = [a, ab, translate(ab, direction: .bToA), b, ba, translate(ba, direction: .aToB)]
        return .grid(Tensor.concatenate(rows, axis: 0), perRow: a.shape[0])
    }
}
