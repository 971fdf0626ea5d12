import Foundation
import GANData
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// StyleGAN: the networks' shapes and names, the noise inputs, truncation in W, style mixing,
/// lazy R1 and the tracked mean `w`.
@Suite struct StyleGANTests {
    /// Constant 4×4 → 8 → 16, narrow, mapping 2 × 8.
    static let small = StyleGANNetworkSettings(channels: 1, bottomSide: 4, levelChannels: [6, 5, 4], latentDimension: 8,
                                               mappingLayers: 2)

    static func model(mixing: Float = 0.9, seed: UInt64 = 1, variant: Int = 1) throws -> StyleGANModel {
        var c = StyleGANConfig.grey28
        c.network = small
        c.variant = variant
        c.mixingProbability = mixing
        var rng = RandomGenerator(seed: seed)
        return try #require(try c.makeModel(using: &rng) as? StyleGANModel)
    }

    /// Every parameter away from its start (zero noise strengths and biases, identity styles), so
    /// that a term in the wrong place shows.
    static func perturb(_ module: Module, using rng: inout RandomGenerator) {
        for (_, p) in module.namedParameters() { p.value = p.value + 0.2 * Tensor.randomNormal(p.shape, using: &rng) }
    }

    @Test func networksHaveTheDocumentedShapesAndNames() {
        var rng = RandomGenerator(seed: 2)
        let g = StyleGANGenerator(settings: Self.small, using: &rng), d = StyleGANDiscriminator(settings: Self.small, using: &rng)
        let shapes = Dictionary(uniqueKeysWithValues: g.stateDict().map { ($0.name, $0.tensor.shape) })
        #expect(shapes["mapping.0.weight"] == [8, 8] && shapes["mapping.1.bias"] == [8] && shapes["mapping.2.weight"] == nil)
        #expect(shapes["const"] == [1, 6, 4, 4] && shapes["w_avg"] == [8])
        #expect(shapes["layers.0.conv.weight"] == nil && shapes["layers.0.noise_strength"] == [6])
        #expect(shapes["layers.2.conv.weight"] == [5, 6, 3, 3] && shapes["layers.3.conv.weight"] == [5, 5, 3, 3])
        #expect(shapes["layers.5.adain.style.weight"] == [8, 8] && shapes["layers.5.bias"] == [4] && shapes["layers.6.bias"] == nil)
        #expect(shapes["to_rgb.weight"] == [1, 4, 1, 1])
        #expect(g.stateDict().count == 2 * 2 + 1 + 1 + 6 * 4 + 5 * 1 + 2)
        // AdaIN starts as the identity style: gain 1, bias 0.
        #expect(g.layers[1].adain.style.bias!.value.scalars == [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        let z = Tensor.randomNormal([4, 8], using: &rng)
        let image = withoutGradients { g(z, using: &rng) }
        #expect(image.shape == [4, 1, 16, 16])
        #expect(withoutGradients { d(image) }.shape == [4, 1])
        #expect(Set(d.stateDict().map(\.name)).isSuperset(of: ["from_rgb.weight", "blocks.2.conv0.weight", "blocks.0.dense1.bias"]))
    }

    /// The noise changes the image only through its learned per-channel strength; the mapping is
    /// pixel-normalised (z and 3z give the same w).
    @Test func noiseEntersThroughItsStrength() {
        var rng = RandomGenerator(seed: 3)
        let g = StyleGANGenerator(settings: Self.small, using: &rng)
        let z = Tensor.randomNormal([2, 8], using: &rng)
        let w = withoutGradients { g.mapping(z) }
        #expect(relativeError(withoutGradients { g.mapping(3 * z) }, w) <= 1e-5)
        let styles = Array(repeating: w, count: 6)
        let a = withoutGradients { g.synthesize(styles: styles, noise: g.noise(count: 2, using: &rng)) }
        let b = withoutGradients { g.synthesize(styles: styles, noise: g.zeroNoise(count: 2)) }
        #expect((a - b).abs().max().item == 0, "strength 0 at the start: the noise must not show")
        Self.perturb(g, using: &rng)
        let c = withoutGradients { g.synthesize(styles: styles, noise: g.noise(count: 2, using: &rng)) }
        let e = withoutGradients { g.synthesize(styles: styles, noise: g.zeroNoise(count: 2)) }
        #expect((c - e).abs().max().item > 1e-3)
    }

    /// As ψ goes 1 → 0 the per-pixel variance over 256 samples falls monotonically; at ψ = 0
    /// every sample is the mean-w image; with a cutoff the layers above it keep their variety.
    /// Both variants (StyleGAN2's styles are indexed as StyleGAN's: two per level).
    @Test(arguments: [1, 2])
    func truncationInWShrinksVarietyToTheMeanImage(variant: Int) throws {
        let model = try Self.model(variant: variant)
        var rng = RandomGenerator(seed: 4)
        Self.perturb(model.generator, using: &rng)
        model.generator.averageW.value = 0.3 * Tensor.randomNormal([8], using: &rng)
        let z = model.latents(count: 256, seed: 5)
        func variance(_ x: Tensor) -> Float { x.variance(axes: [0], correction: 0).mean().item }
        var previous = Float.infinity
        for psi: Float in [1, 0.75, 0.5, 0.25, 0] {
            let v = variance(model.generate(z, options: GenerationOptions(useAverage: false, psi: psi)))
            #expect(v < previous, "ψ \(psi): variance \(v) after \(previous)")
            previous = v
        }
        #expect(relativeError(model.generate(z, options: GenerationOptions(useAverage: false, psi: 1)),
                              model.generate(z, options: GenerationOptions(useAverage: false))) <= 1e-5)
        let mean = model.generate(z, options: GenerationOptions(useAverage: false, psi: 0))
        let g = model.generator
        let meanImage = withoutGradients {
            g.synthesize(styles: Array(repeating: g.averageW.value.reshaped([1, 8]), count: g.styleCount), noise: g.zeroNoise(count: 1))
        }
        #expect((mean - meanImage.broadcast(to: mean.shape)).abs().max().item <= 1e-5)
        let cut = model.generate(z, options: GenerationOptions(useAverage: false, psi: 0, truncationCutoff: 4))
        #expect(variance(cut) > 1e-6, "layers 4 and 5 are not truncated")
        #expect(model.truncatesInW)
    }

    /// `gan mix`: the levels split the synthesis resolutions into thirds, coarse first, and a
    /// mix takes exactly the chosen layers' styles from the source latent, the rest from the base.
    @Test(arguments: [1, 2])
    func styleLevelsAndMixedImages(variant: Int) throws {
        let model = try Self.model(variant: variant)
        #expect(model.styleSides == [4, 4, 8, 8, 16, 16])
        #expect(StyleLevel.allCases.map { model.styleLayers(of: $0) } == [0..<2, 2..<4, 4..<6])
        var rng = RandomGenerator(seed: 9)
        var colourConfig = StyleGANConfig.colour32
        colourConfig.variant = variant
        let colour = try #require(try colourConfig.makeModel(using: &rng) as? StyleGANModel)
        #expect(colour.styleSides == [4, 4, 8, 8, 16, 16, 32, 32])
        #expect(StyleLevel.allCases.map { colour.styleLayers(of: $0) } == [0..<4, 4..<6, 6..<8])
        var largeConfig = StyleGANConfig.colour64
        largeConfig.variant = variant
        let large = try #require(try largeConfig.makeModel(using: &rng) as? StyleGANModel)
        // The paper's split: coarse 4²–8², middle 16²–32², fine 64² and up.
        #expect(StyleLevel.allCases.map { large.styleLayers(of: $0) } == [0..<4, 4..<8, 8..<10])

        Self.perturb(model.generator, using: &rng)
        let options = GenerationOptions(useAverage: false)
        let a = model.mapped(model.latents(count: 3, seed: 1), options: options)
        let b = model.mapped(model.latents(count: 3, seed: 2), options: options)
        let g = model.generator
        func image(_ styles: [Tensor]) -> Tensor { withoutGradients { g.synthesize(styles: styles, noise: g.zeroNoise(count: 3)) } }
        #expect((model.mixed(base: a, source: b, layers: 2..<4, options: options) - image([a, a, b, b, a, a])).abs().max().item == 0)
        #expect((model.mixed(base: a, source: b, layers: 0..<6, options: options) - image(Array(repeating: b, count: 6))).abs().max().item == 0)
        let unmixed = model.generate(model.latents(count: 3, seed: 1), options: options)
        #expect((model.mixed(base: a, source: b, layers: 0..<0, options: options) - unmixed).abs().max().item == 0)
        #expect((model.mixed(base: a, source: b, layers: 0..<2, options: options) - unmixed).abs().max().item > 1e-3)
    }

    /// Style mixing: the layers below the crossover take the first latent's w, the others the
    /// second's; with probability 1 every batch mixes at a crossover in 1 … 5, with 0 none does.
    @Test func mixingDrawsACrossoverFromTheStepRNG() throws {
        for (p, mixes) in [(Float(1), true), (0, false)] {
            let model = try Self.model(mixing: p)
            let context = StepContext(step: 0, totalSteps: 1, measure: false, rng: RandomGenerator(seed: 6),
                                      source: StepParityTests.FixedBatches([Tensor.zeros([2, 1, 16, 16])]))
            var crossovers: Set<Int> = []
            for _ in 0..<40 {
                let (styles, w, crossover) = withoutGradients { model.drawStyles(count: 2, in: context) }
                #expect(styles.count == 6 && (crossover != nil) == mixes)
                let c = crossover ?? 6
                #expect((1...6).contains(c))
                for (i, s) in styles.enumerated() { #expect((s.scalars == w.scalars) == (i < c), "layer \(i), crossover \(c)") }
                crossovers.insert(c)
            }
            #expect(crossovers == (mixes ? Set(1...5) : [6]))
        }
    }

    /// R1 runs on steps 0, 16, …; `w_avg` moves towards the batches' mean w and the EMA copies it.
    @Test func lazyR1AndTrackedMeanW() throws {
        let model = try Self.model()
        var rng = RandomGenerator(seed: 7)
        let real = Tensor.randomUniform([4, 1, 16, 16], using: &rng) * 2 - 1
        var r1Steps: [Int] = []
        for step in 0..<17 {
            let context = StepContext(step: step, totalSteps: 17, measure: true, rng: rng,
                                      source: StepParityTests.FixedBatches([real]))
            let metrics = try model.trainingStep(context)
            rng = context.rng
            if let r1 = metrics["r1"] {
                r1Steps.append(step)
                #expect(r1 > 0 && r1.isFinite)
            }
        }
        #expect(r1Steps == [0, 16])
        let average = model.generator.averageW.value
        #expect(average.abs().max().item > 0)
        #expect(model.averageGenerator!.averageW.value.scalars == average.scalars)
    }
}
