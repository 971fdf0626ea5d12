import Foundation
import GANData
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// StyleGAN2 (`stylegan --variant 2`): its networks' names and shapes against the PyTorch
/// reference, R1 and the path-length penalty against PyTorch on whole small networks
/// (`scripts/make_style_regularizer_fixtures.py`, float64), the option and the old config.
///
/// Tolerances: values and gradients to 1e-4 relative to the largest entry of each tensor (float32
/// through five modulated convolutions and a second backward pass against float64; seen ≤ 1e-5);
/// a gradient that is zero by construction (the score's last bias for R1, the RGB biases for the
/// path length) relative to the largest gradient of the network.
@Suite struct StyleGAN2Tests {
    static func fixture() throws -> (Fixture, StyleGANNetworkSettings) {
        let fixture = try Fixture("stylegan2_regularizers")
        let settings = try JSONDecoder().decode(StyleGANNetworkSettings.self, from: Data(fixture.metadata["settings"]!.utf8))
        return (fixture, settings)
    }

    /// `NAMEPREFIX.*` tensors of the fixture, without the prefix.
    static func state(_ fixture: Fixture, _ prefix: String) -> StateDict {
        var state = StateDict()
        for (name, tensor) in fixture.tensors where name.hasPrefix(prefix) { state[String(name.dropFirst(prefix.count))] = tensor }
        return state
    }

    /// Each gradient against `PREFIX.NAME`, relative to itself or, when that is zero, to the largest.
    static func compareGradients(_ actual: [Tensor], of module: Module, with fixture: Fixture, prefix: String) {
        let names = module.namedParameters().map(\.name)
        #expect(actual.count == names.count)
        let largest = names.map { name in fixture["\(prefix).\(name)"].abs().max().item }.max()!
        for (name, gradient) in zip(names, actual) {
            let expected = fixture["\(prefix).\(name)"]
            let error = relativeError(gradient, expected, scale: expected.abs().max().item == 0 ? largest : 0)
            #expect(error <= 1e-4, "\(name): gradient relative error \(error)")
        }
    }

    /// G's and D's state dicts have exactly the reference's names and shapes (a strict load of the
    /// PyTorch modules' weights), the documented style and noise counts, and images of the right size.
    @Test func networksMatchTheReferenceNamesAndShapes() throws {
        let (fixture, settings) = try Self.fixture()
        var rng = RandomGenerator(seed: 1)
        let g = StyleGAN2Generator(settings: settings, using: &rng), d = StyleGAN2Discriminator(settings: settings, using: &rng)
        for (module, prefix) in [(g as Module, "g.init."), (d as Module, "d.init.")] {
            let expected = Self.state(fixture, prefix)
            let own = module.stateDict()
            #expect(Set(own.keys) == Set(expected.keys), "\(prefix) names")
            for key in own.keys { #expect(own[key]?.shape == expected[key]?.shape, "\(prefix)\(key)") }
            try module.load(stateDict: expected, strict: true, source: prefix)
        }
        #expect(g.styleCount == 6 && g.noise(count: 2, using: &rng).map(\.shape) == [[2, 1, 4, 4], [2, 1, 8, 8], [2, 1, 8, 8], [2, 1, 16, 16], [2, 1, 16, 16]])
        #expect(g.zeroNoise(count: 2).map(\.shape) == g.noise(count: 2, using: &rng).map(\.shape))
        let image = withoutGradients { g(Tensor.randomNormal([4, 8], using: &rng), using: &rng) }
        #expect(image.shape == [4, 1, 16, 16])
        #expect(withoutGradients { d(image) }.shape == [4, 1])
    }

    /// R1 on the residual discriminator: value and every parameter's gradient (second order).
    @Test func r1MatchesPyTorch() throws {
        let (fixture, settings) = try Self.fixture()
        var rng = RandomGenerator(seed: 2)
        let d = StyleGAN2Discriminator(settings: settings, using: &rng)
        try d.load(stateDict: Self.state(fixture, "d.init."), strict: true, source: "fixture")
        let real = fixture["real"].requiringGradient()
        let r1 = StyleGANRegularization.r1(realScores: d(real), real: real)
        #expect(relativeError(r1, fixture["r1"]) <= 1e-4)
        Self.compareGradients(gradients(of: r1, wrt: d.parameters().map(\.value)), of: d, with: fixture, prefix: "d.grad")
    }

    /// The path-length penalty on the variant-2 generator with fixed z, mixing, noise, y and
    /// `pl_mean`: the penalty, each sample's length, the updated mean and every parameter's
    /// gradient (the mapping's through the styles). Differentiating w.r.t. the two shared `w`s instead
    /// of one input per style moves the lengths up to 4%; the mean before the update moves the penalty 1.7%.
    @Test func pathLengthMatchesPyTorch() throws {
        let (fixture, settings) = try Self.fixture()
        var rng = RandomGenerator(seed: 3)
        let g = StyleGAN2Generator(settings: settings, using: &rng)
        try g.load(stateDict: Self.state(fixture, "g.init."), strict: true, source: "fixture")
        let crossover = Int(fixture.metadata["crossover"]!)!
        let w = g.mapping(fixture["z"]), w2 = g.mapping(fixture["z2"])
        let styles = (0..<g.styleCount).map { $0 < crossover ? w : w2 }
        let noise = (0..<g.convs.count).map { fixture["noise.\($0)"] }
        let (penalty, lengths, mean) = StyleGANRegularization.pathLength(
            generator: g, styles: styles, noise: noise, direction: fixture["y"], mean: fixture["pl_mean"].item,
            decay: Float(fixture.metadata["decay"]!)!)
        #expect(relativeError(penalty, fixture["penalty"]) <= 1e-4)
        #expect(relativeError(lengths, fixture["lengths"]) <= 1e-4)
        #expect(relativeError(Tensor(mean), fixture["pl_mean_after"]) <= 1e-5)
        Self.compareGradients(gradients(of: penalty, wrt: g.parameters().map(\.value)), of: g, with: fixture, prefix: "g.grad")
    }

    /// The path length runs on steps 0, 4, 8 (reporting `pl` and `pl_mean`, which moves towards
    /// the lengths), R1 on step 0; with `--pl-weight 0` never, and `pl_mean` stays 0.
    @Test(arguments: [Float(2), 0])
    func pathLengthIsLazy(weight: Float) throws {
        var config = StyleGANConfig.grey28
        config.network = StyleGANTests.small
        config.variant = 2
        config.pathLengthWeight = weight
        var rng = RandomGenerator(seed: 5)
        let model = try #require(try config.makeModel(using: &rng) as? StyleGANModel)
        let real = Tensor.randomUniform([4, 1, 16, 16], using: &rng) * 2 - 1
        var pathLengthSteps: [Int] = [], means: [Float] = []
        for step in 0..<9 {
            let context = StepContext(step: step, totalSteps: 9, measure: true, rng: rng,
                                      source: StepParityTests.FixedBatches([real]))
            let metrics = try model.trainingStep(context)
            rng = context.rng
            if let pl = metrics["pl"] {
                pathLengthSteps.append(step)
                #expect(pl > 0 && pl.isFinite && metrics["pl_mean"] == model.pathLengthMean)
                means.append(model.pathLengthMean)
            }
        }
        #expect(pathLengthSteps == (weight > 0 ? [0, 4, 8] : []))
        if weight > 0 {
            // From 0, each update moves 1% of the way to the batch's mean length.
            #expect(means[0] > 0 && means[1] > means[0] && means[2] > means[1])
        } else {
            #expect(model.pathLengthMean == 0)
        }
    }

    /// `--variant 2` switches the networks at the preset's sizes; other values and `--pl-weight`
    /// without it are refused; the summary names the variant.
    @Test func variantOptionSwitchesTheNetworks() throws {
        var config = StyleGANConfig.grey28
        try config.apply(try FamilyOptionValues(arguments: ["--variant", "2", "--pl-weight", "0.5"], family: StyleGANFamily.self))
        #expect(config.variant == 2 && config.pathLengthWeight == 0.5 && config.network == StyleGANConfig.grey28.network)
        #expect(config.summaryLines[0].hasPrefix("variant 2: StyleGAN2"))
        #expect(config.summaryLines.contains { $0.hasPrefix("path length: weight 0.5 every 4 steps (×4)") })
        #expect(StyleGANConfig.grey28.summaryLines[0].hasPrefix("variant 1: StyleGAN "))
        var rng = RandomGenerator(seed: 4)
        let model = try #require(try config.makeModel(using: &rng) as? StyleGANModel)
        #expect(model.generator is StyleGAN2Generator && model.discriminator is StyleGAN2Discriminator)
        #expect(model.averageGenerator is StyleGAN2Generator)
        #expect(model.stateParts.map(\.prefix).contains("path_length"))

        var other = StyleGANConfig.grey28
        #expect(throws: ModelError.invalidOption("--variant must be 1 (StyleGAN) or 2 (StyleGAN2), got '3'")) {
            try other.apply(try FamilyOptionValues(arguments: ["--variant", "3"], family: StyleGANFamily.self))
        }
        #expect(throws: ModelError.invalidOption("--pl-weight is StyleGAN2's path-length regularisation; it needs --variant 2 (this run is variant 1)")) {
            try other.apply(try FamilyOptionValues(arguments: ["--pl-weight", "2"], family: StyleGANFamily.self))
        }
        #expect(throws: ModelError.self) {
            try other.apply(try FamilyOptionValues(arguments: ["--variant", "2", "--pl-weight", "-1"], family: StyleGANFamily.self))
        }
    }

    /// A config.json written before the variant existed (no variant or path-length fields) is
    /// variant 1 with the defaults, and a variant-2 config round-trips.
    @Test func oldConfigDecodesAsVariantOne() throws {
        let old = """
        {"network": {"channels": 1, "bottomSide": 7, "levelChannels": [96, 48, 24], "latentDimension": 128,
                     "mappingLayers": 4, "mappingLearningRateMultiplier": 0.01, "groupSize": 4},
         "r1Gamma": 10, "r1Interval": 16, "mixingProbability": 0.9, "averageWDecay": 0.995,
         "generatorOptimizer": {"kind": "adam", "learningRate": 0.001, "beta1": 0, "beta2": 0.99},
         "discriminatorOptimizer": {"kind": "adam", "learningRate": 0.001, "beta1": 0, "beta2": 0.99},
         "emaDecay": 0.999}
        """
        let decoded = try JSONDecoder().decode(StyleGANConfig.self, from: Data(old.utf8))
        var expected = StyleGANConfig.grey28
        (expected.emaDecay, expected.emaHalfLifeImages, expected.emaRampUp) = (0.999, nil, nil)   // the fixed decay runs of then kept
        #expect(decoded == expected)
        #expect(decoded.variant == 1 && decoded.pathLengthWeight == 2 && decoded.pathLengthInterval == 4)
        var two = StyleGANConfig.colour32
        two.variant = 2
        two.pathLengthWeight = 1.5
        two.emaHalfLifeImages = nil
        #expect(try JSONDecoder().decode(StyleGANConfig.self, from: JSONEncoder().encode(two)) == two)
        let family = try StyleGANFamily.decodeConfiguration(from: JSONEncoder().encode(two))
        #expect(family as? StyleGANConfig == two)
    }
}
