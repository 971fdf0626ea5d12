import Foundation
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// CoGAN's coupled networks: sharing (one parameter object per shared layer, gradients of
/// both domains summed into it, kept by copies) and parity with PyTorch's reference
/// (scripts/reference/cogan.py, fixture by scripts/make_cogan_fixtures.py).
@Suite struct CoGANTests {
    /// Narrow networks: the tests are about structure, not capacity.
    static let small = CoGANNetworkSettings(latentDimension: 8, generatorWidth: 1.0 / 32, discriminatorWidth: 0.2)

    static func identifiers(_ module: Module) -> [ObjectIdentifier] {
        module.parameters().map(ObjectIdentifier.init)
    }

    @Test func shapesAndWidthsOfThePreset() {
        var rng = RandomGenerator(seed: 1)
        let settings = CoGANNetworkSettings.grey28
        #expect(settings.generatorChannels == [256, 128, 64, 32])
        #expect(settings.discriminatorChannels == [20, 50, 500])
        let g = settings.makeGenerators(using: &rng), d = settings.makeDiscriminators(using: &rng)
        let z = Tensor.randomNormal([3, 100], using: &rng)
        let (a, b) = withoutGradients { g.generatePair(z) }
        #expect(a.shape == [3, 1, 28, 28] && b.shape == [3, 1, 28, 28])
        #expect(a.abs().max().item <= 1)
        #expect(withoutGradients { d.score(a, domain: .a) }.shape == [3, 1])
        #expect(throws: ModelError.self) { try CoGANNetworkSettings(generatorWidth: 0).validate() }
    }

    @Test func sharingCostsLessThanTwoSeparateGANs() {
        var rng = RandomGenerator(seed: 2)
        let g = CoGANNetworkSettings.grey28.makeGenerators(using: &rng)
        let d = CoGANNetworkSettings.grey28.makeDiscriminators(using: &rng)
        // Two separate GANs of the same networks: each generator is shared + head, each
        // discriminator trunk + shared.
        let separateG = 2 * (g.shared.parameterCount + g.headA.parameterCount)
        let separateD = 2 * (d.trunkA.parameterCount + d.shared.parameterCount)
        #expect(g.parameterCount == separateG - g.shared.parameterCount)
        #expect(d.parameterCount == separateD - d.shared.parameterCount)
        #expect(g.parameterCount < separateG && d.parameterCount < separateD)
        // Each shared tensor is one state-dict entry, under `shared.`.
        let names = g.stateDict().keys
        #expect(Set(names).count == names.count)
        #expect(names.filter { $0.hasPrefix("shared.") }.count == g.shared.stateDict().keys.count)
        #expect(names.contains("head_a.0.weight") && names.contains("head_b.0.weight"))
        #expect(d.stateDict().keys.contains("trunk_b.0.weight") && d.stateDict().keys.contains("shared.4.weight"))
    }

    @Test func theSharedParameterIsOneObjectInBothPathsAndInCopies() throws {
        var rng = RandomGenerator(seed: 3)
        let d = Self.small.makeDiscriminators(using: &rng)
        let x = Tensor.randomNormal([4, 1, 28, 28], using: &rng)
        let sharedWeight = (d.shared[3] as! Linear).weight
        let trunkB = (d.trunkB[0] as! Conv2d).weight
        // The gradient of each domain's score reaches the one shared parameter.
        let viaA = gradients(of: d.score(x, domain: .a).sum(), wrt: [sharedWeight.value, trunkB.value])
        let viaB = gradients(of: d.score(x, domain: .b).sum(), wrt: [sharedWeight.value, trunkB.value])
        #expect(viaA[0].abs().max().item > 0 && viaB[0].abs().max().item > 0)
        #expect(viaA[1].abs().max().item == 0 && viaB[1].abs().max().item > 0)
        #expect(Self.identifiers(d).filter { $0 == ObjectIdentifier(sharedWeight) }.count == 1)

        // A copy (what the EMA holds) shares within itself, not with the original.
        let g = Self.small.makeGenerators(using: &rng)
        let z = Tensor.randomNormal([4, 8], using: &rng)
        g.eval()
        let copy = g.copy()
        #expect(copy.parameters().count == g.parameters().count)
        #expect(Set(Self.identifiers(copy)).isDisjoint(with: Self.identifiers(g)))
        let before = withoutGradients { copy.generatePair(z) }
        let first = (copy.shared[0] as! ConvTranspose2d).weight
        first.value = first.value * 1.5
        let after = withoutGradients { copy.generatePair(z) }
        #expect(relativeError(after.a, before.a) > 1e-3 && relativeError(after.b, before.b) > 1e-3)
        let original = withoutGradients { g.generatePair(z) }
        #expect(relativeError(original.a, before.a) == 0 && relativeError(original.b, before.b) == 0)
        let ema = ExponentialMovingAverage(model: g, decay: 0.9)
        #expect(ema.average.parameterCount == g.parameterCount)
    }

    /// Per-parameter values, by name.
    static func values(_ m: Module) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.name, $0.parameter.value.detach()) })
    }

    /// One SGD step (no momentum: the step is −lr · gradient) from a loss on domain A, then from
    /// a loss on both: the shared layers move by −lr · g_A, then once by −lr · (g_A + g_B).
    @Test func oneGeneratorStepMovesTheSharedLayersOnceBySummedGradients() {
        var rng = RandomGenerator(seed: 4)
        let g = Self.small.makeGenerators(using: &rng)
        let z = Tensor.randomNormal([6, 8], using: &rng)
        let ra = Tensor.randomNormal([6, 1, 28, 28], using: &rng), rb = Tensor.randomNormal([6, 1, 28, 28], using: &rng)
        let names = g.namedParameters().map(\.name)
        let gradA = gradients(of: (g.generate(z, domain: .a) * ra).sum(), wrt: g.parameters().map(\.value))
        let gradB = gradients(of: (g.generate(z, domain: .b) * rb).sum(), wrt: g.parameters().map(\.value))
        let lr: Float = 0.01

        func step(_ loss: (CoGANGenerators) -> Tensor) -> [String: Tensor] {
            let model = g.copy()
            let before = Self.values(model)
            let sgd = SGD(parameters: model.parameters(), learningRate: lr)
            loss(model).backward()
            sgd.step()
            return Self.values(model).reduce(into: [:]) { moved, entry in moved[entry.key] = entry.value - before[entry.key]! }
        }
        let onlyA = step { ($0.generate(z, domain: .a) * ra).sum() }
        let both = step { m in let (a, b) = m.generatePair(z); return (a * ra).sum() + (b * rb).sum() }
        let scale = gradA.map { $0.abs().max().item }.max()! * lr
        for (i, name) in names.enumerated() {
            let expectedA = name.hasPrefix("head_b.") ? Tensor.zeros(gradA[i].shape) : -lr * gradA[i]
            #expect(relativeError(onlyA[name]!, expectedA, scale: scale) < 1e-4, "\(name) after a loss on A")
            let expectedBoth = -lr * (gradA[i] + gradB[i])
            #expect(relativeError(both[name]!, expectedBoth, scale: scale) < 1e-4, "\(name) after a loss on both")
        }
        // The shared layers really get both domains' gradients (not one of them).
        let w = names.firstIndex(of: "shared.3.weight")!
        #expect(relativeError(-lr * gradA[w], both["shared.3.weight"]!) > 1e-2)
    }

    /// Adam's first step moves every element with a gradient by lr (m̂ / √v̂ = ±1): a parameter
    /// stepped twice would move by 2 lr. Its direction is that of −(g_A + g_B).
    @Test func oneAdamStepOfTheDiscriminatorsMovesTheSharedLayersOnce() {
        var rng = RandomGenerator(seed: 5)
        let d = Self.small.makeDiscriminators(using: &rng)
        let xa = Tensor.randomNormal([5, 1, 28, 28], using: &rng), xb = Tensor.randomNormal([5, 1, 28, 28], using: &rng)
        let weight = (d.shared[3] as! Linear).weight
        let gA = gradients(of: d.score(xa, domain: .a).sum(), wrt: [weight.value])[0]
        let gB = gradients(of: (-2 * d.score(xb, domain: .b)).sum(), wrt: [weight.value])[0]
        let lr: Float = 1e-3
        let before = weight.value.detach()
        let adam = Adam(parameters: d.parameters(), learningRate: lr)
        let (sa, sb) = d.scorePair(a: xa, b: xb)
        (sa.sum() - 2 * sb.sum()).backward()
        adam.step()
        let delta = (weight.value - before).scalars, sum = (gA + gB).scalars
        var checked = 0
        // |step| = lr · |g| / (|g| + ε) with ε = 1e-8: within 1% of lr wherever |g| > 1e-5.
        for i in delta.indices where Swift.abs(sum[i]) > 1e-5 {
            #expect(Swift.abs(Swift.abs(delta[i]) - lr) < 0.01 * lr, "element \(i) moved by \(delta[i])")
            #expect((delta[i] < 0) == (sum[i] > 0))
            checked += 1
        }
        #expect(checked > delta.count / 2)
    }

    @Test func scorePairEqualsTwoScores() {
        var rng = RandomGenerator(seed: 6)
        let d = Self.small.makeDiscriminators(using: &rng)
        let xa = Tensor.randomNormal([3, 1, 28, 28], using: &rng), xb = Tensor.randomNormal([2, 1, 28, 28], using: &rng)
        let (sa, sb) = withoutGradients { d.scorePair(a: xa, b: xb) }
        #expect(relativeError(sa, withoutGradients { d.score(xa, domain: .a) }) < 1e-6)
        #expect(relativeError(sb, withoutGradients { d.score(xb, domain: .b) }) < 1e-6)
    }

    /// PyTorch's reference at a reduced width: strict loading (names and shapes), then outputs,
    /// gradients and running statistics within 1e-4 of the largest magnitude of each tensor.
    /// The reference runs in float64; ours is float32 with sums of up to 16·64 = 1024 products
    /// (the first transposed convolution), whose rounding is ~1e-6 relative; 1e-4 leaves room
    /// for BatchNorm's division by a batch standard deviation while catching any wrong layer
    /// (a wrong padding, slope or pooling moves outputs by > 1e-2).
    @Test func matchesPyTorch() throws {
        let fixture = try Fixture("cogan")
        let settings = try JSONDecoder().decode(CoGANNetworkSettings.self, from: Data(fixture.metadata["settings"]!.utf8))
        let channels = try JSONSerialization.jsonObject(with: Data(fixture.metadata["channels"]!.utf8)) as! [String: [Int]]
        #expect(settings.generatorChannels == channels["generator"]!)
        #expect(settings.discriminatorChannels == channels["discriminator"]!)

        var state = StateDict()
        for (name, tensor) in fixture.tensors { state[name] = tensor }
        var rng = RandomGenerator(seed: 0)
        let g = settings.makeGenerators(using: &rng), d = settings.makeDiscriminators(using: &rng)
        try g.load(stateDict: state.entries(withPrefix: "generators."), strict: true, source: "cogan generators")
        try d.load(stateDict: state.entries(withPrefix: "discriminators."), strict: true, source: "cogan discriminators")
        let tolerance: Float = 1e-4
        var worst: Float = 0
        func compare(_ actual: Tensor, _ expected: Tensor, scale: Float = 1e-12, _ what: String) {
            let error = relativeError(actual, expected, scale: scale)
            worst = max(worst, error)
            #expect(error <= tolerance, "\(what): relative error \(error)")
        }

        let z = fixture["z"]
        g.eval()
        withoutGradients {
            compare(g.generate(z, domain: .a), fixture["eval.a"], "eval a")
            compare(g.generate(z, domain: .b), fixture["eval.b"], "eval b")
        }
        g.train()
        let (a, b) = g.generatePair(z)
        compare(a, fixture["train.a"], "train a")
        compare(b, fixture["train.b"], "train b")
        let named = g.namedParameters()
        let grads = gradients(of: (a * fixture["ga"]).sum() + (b * fixture["gb"]).sum(), wrt: named.map(\.parameter.value))
        // Biases before BatchNorm have no gradient (PyTorch's are ~1e-17, ours float32 noise):
        // compare those against the largest gradient, the others against their own.
        func vanishing(_ expected: Tensor, _ scale: Float) -> Float {
            expected.abs().max().item <= 1e-9 * scale ? scale : 1e-12
        }
        let gScale = named.map { fixture["train.grad." + $0.name].abs().max().item }.max()!
        for ((name, _), grad) in zip(named, grads) {
            let expected = fixture["train.grad." + name]
            compare(grad, expected, scale: vanishing(expected, gScale), "generator gradient \(name)")
        }
        for (name, buffer) in g.namedBuffers() {
            compare(buffer.value, fixture["after." + name], "buffer \(name) after a training pass")
        }

        let (sa, sb) = (d.score(fixture["x.a"], domain: .a), d.score(fixture["x.b"], domain: .b))
        compare(sa, fixture["score.a"], "score a")
        compare(sb, fixture["score.b"], "score b")
        let dNamed = d.namedParameters()
        let dGrads = gradients(of: sa.sum() - 2 * sb.sum(), wrt: dNamed.map(\.parameter.value))
        let dScale = dNamed.map { fixture["score.grad." + $0.name].abs().max().item }.max()!
        for ((name, _), grad) in zip(dNamed, dGrads) {
            let expected = fixture["score.grad." + name]
            compare(grad, expected, scale: vanishing(expected, dScale), "discriminator gradient \(name)")
        }
        print("CoGAN parity with PyTorch: worst relative error \(worst)")
    }
}
