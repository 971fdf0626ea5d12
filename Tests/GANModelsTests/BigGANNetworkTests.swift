import Foundation
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// BigGAN's generator and discriminator against PyTorch's (`scripts/reference/biggan.py`,
/// fixtures by `scripts/make_biggan_fixtures.py`).
@Suite struct BigGANNetworkTests {
    static let fixture = Result { try Fixture("biggan") }

    /// A JSON metadata entry of the fixture, decoded.
    static func metadata<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
        let text = try #require(try fixture.get().metadata[key], "fixture metadata has no \(key)")
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// The fixture tensors under `prefix`, without it: a state dict.
    static func stateDict(_ fixture: Fixture, prefix: String) -> StateDict {
        var state = StateDict()
        for (name, t) in fixture.tensors.sorted(by: { $0.key < $1.key }) where name.hasPrefix(prefix) {
            state.insert(String(name.dropFirst(prefix.count)), t)
        }
        return state
    }

    /// Name → shape of the fixture tensors under `prefix`.
    static func shapes(_ fixture: Fixture, prefix: String) -> [String: [Int]] {
        Dictionary(uniqueKeysWithValues: fixture.tensors.filter { $0.key.hasPrefix(prefix) }
            .map { (String($0.key.dropFirst(prefix.count)), $0.value.shape) })
    }

    /// Name → shape of a module's state dict.
    static func shapes(_ module: Module) -> [String: [Int]] {
        Dictionary(uniqueKeysWithValues: module.stateDict().map { ($0.name, $0.tensor.shape) })
    }

    /// The largest error allowed, relative to the largest reference value. The reference is
    /// float64 from the same float32 weights; ours is float32 through ~10 layers, three batch
    /// norms over batch 4 and the power iterations, summed in another order: measured 2.6e-6
    /// (c32, G's images) and 1.2e-5 (g28, the gradient of G's attention gamma, one sum over every
    /// pixel), so 8× margin. A wrong wiring moves something by 1e-2 or more (the latent chunk
    /// placed before the class embedding: 1.8; gamma is set to 0.5–1 in the fixture, so the
    /// attention path shows in every output).
    static let tolerance: Float = 1e-4

    /// Loads PyTorch's state dicts strictly, then checks one training-mode pass (G's images,
    /// D's scores of them, the gradient of `sum(D(G(z)) · gy)` for every parameter of both, every
    /// buffer after it: u, v, running statistics) and then evaluation mode (G(z), D(x), the
    /// attention weights).
    @Test(arguments: ["g28", "c32"])
    func networksMatchPyTorch(_ name: String) throws {
        let fixture = try Self.fixture.get()
        let settings = try Self.metadata(name, as: BigGANNetworkSettings.self)
        try settings.validate()
        var rng = RandomGenerator(seed: 1)
        let g = BigGANGenerator(settings: settings, using: &rng)
        let d = BigGANDiscriminator(settings: settings, using: &rng)
        // Every PyTorch name and shape is ours (a strict load would refuse a missing, extra or
        // reshaped entry; this names them all at once).
        #expect(Self.shapes(g) == Self.shapes(fixture, prefix: "\(name).g."), "\(name) generator state dict")
        #expect(Self.shapes(d) == Self.shapes(fixture, prefix: "\(name).d."), "\(name) discriminator state dict")
        try g.load(stateDict: Self.stateDict(fixture, prefix: "\(name).g."), strict: true, source: "biggan \(name).g")
        try d.load(stateDict: Self.stateDict(fixture, prefix: "\(name).d."), strict: true, source: "biggan \(name).d")

        let z = fixture["\(name).z"], x = fixture["\(name).x"]
        let labels = fixture["\(name).labels"].scalars.map { Int($0) }
        var (worst, worstKey): (Float, String) = (0, "")
        func check(_ actual: Tensor, _ key: String, scale: Float = 1e-12) {
            let error = relativeError(actual, fixture[key], scale: scale)
            if error > worst { (worst, worstKey) = (error, key) }
            #expect(error <= Self.tolerance, "\(key): relative error \(error)")
        }

        // Training mode: batch statistics, one power iteration per spectral norm.
        let fake = g.generate(z, labels: labels)
        let score = d.score(fake, labels: labels)
        check(fake, "\(name).g_train")
        check(score, "\(name).d_train")
        let parameters = g.namedParameters().map { ("g_grad", $0) } + d.namedParameters().map { ("d_grad", $0) }
        let grads = gradients(of: (score * fixture["\(name).gy"]).sum(), wrt: parameters.map(\.1.parameter.value))
        for ((role, entry), grad) in zip(parameters, grads) {
            // A bias before a batch norm has a zero gradient (the mean takes it away): the
            // reference's is rounding (~1e-17), so it is measured against its weight's gradient.
            let weight = entry.name.hasSuffix(".bias") ? fixture.tensors["\(name).\(role).\(entry.name.dropLast(4))weight_orig"] : nil
            check(grad, "\(name).\(role).\(entry.name)", scale: weight.map { $0.scalars.map(abs).max()! } ?? 1e-12)
        }
        for (role, network) in [("g_after", g as Module), ("d_after", d)] {
            for (key, buffer) in network.namedBuffers() {
                check(buffer.value, "\(name).\(role).\(key)")
            }
        }

        // Evaluation mode, with the buffers the pass above left.
        g.eval()
        d.eval()
        withoutGradients {
            check(g.generate(z, labels: labels), "\(name).g_eval")
            check(d.score(x, labels: labels), "\(name).d_eval")
            if let map = g.attentionMap(z, labels: labels)?.weights { check(map, "\(name).attention") }
        }
        #expect(g.attentionMap(z, labels: labels) != nil)
        print("BigGAN \(name): worst relative error \(worst) (\(worstKey)) over \(parameters.count) gradients and every output and buffer")
    }

    /// The Swift presets are those the reference script knows (a changed preset needs new
    /// fixtures), and their JSON keys are the reference's.
    @Test func presetsEqualTheReferences() throws {
        let reference = try Self.metadata("presets", as: [String: BigGANNetworkSettings].self)
        #expect(Set(reference.keys) == Set(BigGANNetworkSettings.presets.map(\.name)))
        for (name, settings) in BigGANNetworkSettings.presets {
            #expect(reference[name] == settings, "preset \(name)")
        }
    }

    struct Shapes: Decodable {
        var generator: [String: [Int]]
        var discriminator: [String: [Int]]
    }

    /// Every preset has PyTorch's state_dict names and shapes.
    @Test func everyPresetHasPyTorchsNamesAndShapes() throws {
        let all = try Self.metadata("shapes", as: [String: Shapes].self)
        for (name, settings) in BigGANNetworkSettings.presets {
            let expected = try #require(all[name], "no reference shapes for \(name)")
            var rng = RandomGenerator(seed: 2)
            let g = BigGANGenerator(settings: settings, orthogonal: false, using: &rng)
            let d = BigGANDiscriminator(settings: settings, orthogonal: false, using: &rng)
            #expect(Self.shapes(g) == expected.generator, "\(name) generator state dict")
            #expect(Self.shapes(d) == expected.discriminator, "\(name) discriminator state dict")
            print("BigGAN \(name): G \(g.parameterCount) parameters, D \(d.parameterCount) parameters")
        }
    }

    /// Each preset validates and builds (with the orthogonal draw); G maps `[2, dim_z]` to images
    /// `[2, C, S, S]` in [−1, 1] and D scores them `[2, 1]`, in both modes.
    @Test(arguments: BigGANNetworkSettings.presets.map(\.name))
    func presetsGenerateAndScore(_ name: String) throws {
        let settings = try #require(BigGANNetworkSettings.presets.first { $0.name == name }?.settings)
        try settings.validate()
        var rng = RandomGenerator(seed: 3)
        let g = BigGANGenerator(settings: settings, using: &rng)
        let d = BigGANDiscriminator(settings: settings, using: &rng)
        let z = Tensor.randomNormal([2, settings.latentDimension], using: &rng)
        for training in [true, false] {
            g.train(training)
            d.train(training)
            let (images, scores) = withoutGradients {
                let images = g.generate(z, labels: [1, 7])
                return (images, d.score(images, labels: [1, 7]))
            }
            #expect(images.shape == [2] + settings.imageShape, "\(name) G output \(images.shape)")
            #expect(images.scalars.allSatisfy { $0 >= -1 && $0 <= 1 }, "\(name) G output outside [-1, 1]")
            #expect(scores.shape == [2, 1], "\(name) D output \(scores.shape)")
            #expect(scores.scalars.allSatisfy { $0.isFinite }, "\(name) D output \(scores.scalars)")
        }
        let side = try #require(settings.generatorAttention)
        let map = try #require(withoutGradients { g.attentionMap(z, labels: [1, 7])?.weights })
        #expect(map.shape == [2, side * side, side * side / 4])
    }

    /// The attention weights are a softmax over keys (rows sum to 1), and a generator without
    /// attention has no map.
    @Test func attentionMapsAreDistributions() throws {
        var settings = try Self.metadata("g28", as: BigGANNetworkSettings.self)
        var rng = RandomGenerator(seed: 4)
        let g = BigGANGenerator(settings: settings, using: &rng).eval()
        let z = Tensor.randomNormal([3, settings.latentDimension], using: &rng)
        let map = try #require(withoutGradients { g.attentionMap(z, labels: [0, 1, 2])?.weights })
        #expect(map.shape == [3, 196, 49])
        let rows = map.sum(axis: 2).scalars
        #expect(rows.allSatisfy { abs($0 - 1) < 1e-5 }, "row sums \(rows.prefix(4))")
        settings.generatorAttention = nil
        let plain = BigGANGenerator(settings: settings, using: &rng)
        #expect(plain.attention == nil && plain.attentionMap(z, labels: [0, 1, 2]) == nil)
        #expect(!plain.stateDict().contains { $0.name.hasPrefix("attention.") })
    }

    /// BigGAN-PyTorch's 'ortho' init: every convolution, linear and embedding weight (G's
    /// shared embedding included) has orthonormal rows, or columns when it has fewer; the same
    /// seed gives the same networks.
    @Test func initialisationIsOrthogonal() throws {
        let settings = try Self.metadata("c32", as: BigGANNetworkSettings.self)
        var rng = RandomGenerator(seed: 5)
        let g = BigGANGenerator(settings: settings, using: &rng)
        let d = BigGANDiscriminator(settings: settings, using: &rng)
        var checked = 0
        for (network, role) in [(g as Module, "G"), (d, "D")] {
            for (name, p) in network.namedParameters() where p.shape.count >= 2 {
                let rows = p.shape[0], columns = p.value.count / rows
                var w = p.value.reshaped([rows, columns])
                if rows > columns { w = w.transposed() }
                let gram = w.matmul(w.transposed())
                let error = relativeError(gram, Tensor.eye(min(rows, columns)))
                #expect(error < 1e-4, "\(role) \(name): WWᵀ differs from I by \(error)")
                checked += 1
            }
        }
        #expect(checked > 30)
        var again = RandomGenerator(seed: 5)
        let g2 = BigGANGenerator(settings: settings, using: &again)
        #expect(g2.stateDict().map(\.tensor.scalars) == g.stateDict().map(\.tensor.scalars))
    }

    /// `copy()` (EMA, checkpoints) gives networks with the same outputs and their own parameters.
    @Test func copiesComputeTheSame() throws {
        let settings = try Self.metadata("g28", as: BigGANNetworkSettings.self)
        var rng = RandomGenerator(seed: 6)
        let g = BigGANGenerator(settings: settings, using: &rng).eval()
        let d = BigGANDiscriminator(settings: settings, using: &rng).eval()
        g.attention!.gamma.value = Tensor([0.7], shape: [1])
        let g2 = g.copy(), d2 = d.copy()
        #expect(g2.linear !== g.linear && g2.parameters().count == g.parameters().count)
        #expect(!g2.isTraining && !d2.isTraining)
        let z = Tensor.randomNormal([2, settings.latentDimension], using: &rng)
        withoutGradients {
            let images = g.generate(z, labels: [2, 0])
            #expect(g2.generate(z, labels: [2, 0]).scalars == images.scalars)
            #expect(d2.score(images, labels: [2, 0]).scalars == d.score(images, labels: [2, 0]).scalars)
        }
    }

    /// The conditioning is used: another class gives another image and another score.
    @Test func labelsChangeImagesAndScores() throws {
        let settings = try Self.metadata("g28", as: BigGANNetworkSettings.self)
        var rng = RandomGenerator(seed: 7)
        let g = BigGANGenerator(settings: settings, using: &rng).eval()
        let d = BigGANDiscriminator(settings: settings, using: &rng).eval()
        let z = Tensor.randomNormal([1, settings.latentDimension], using: &rng).repeated([2, 1])
        withoutGradients {
            let images = g.generate(z, labels: [0, 1])
            let (a, b) = (images.slice(axis: 0, start: 0, end: 1), images.slice(axis: 0, start: 1, end: 2))
            #expect(relativeError(a, b) > 1e-3, "classes 0 and 1 give the same image")
            let scores = d.score(Tensor.concatenate([a, a], axis: 0), labels: [0, 1]).scalars
            #expect(abs(scores[0] - scores[1]) > 1e-4, "classes 0 and 1 give the same score \(scores)")
        }
    }

    @Test func validationRejectsWhatCannotBeBuilt() {
        func rejects(_ change: (inout BigGANNetworkSettings) -> Void, _ why: Comment) {
            var s = BigGANNetworkSettings.grey28
            change(&s)
            #expect(throws: ModelError.self, why) { try s.validate() }
        }
        rejects({ $0.latentDimension = 100 }, "100 does not split into 3 chunks")
        rejects({ $0.imageSize = 32 }, "7 · 2² is 28, not 32")
        rejects({ $0.generatorMultipliers = [4] }, "no generator block")
        rejects({ $0.generatorAttention = 7 }, "no block outputs 7 (and 7 is odd)")
        rejects({ $0.generatorAttention = 12 }, "no block outputs 12")
        rejects({ $0.discriminatorAttention = 7 }, "7 cannot be max-pooled")
        rejects({ $0.discriminatorDownsample = [true, true, true, false] }, "7 cannot be halved")
        rejects({ $0.discriminatorDownsample = [true, true] }, "one flag per block")
        rejects({ $0.width = 2 }, "D attention on 4 channels")
        rejects({ $0.classCount = 0 }, "no classes")
        var s = BigGANNetworkSettings.grey28
        s.generatorAttention = nil
        s.discriminatorAttention = nil
        #expect(throws: Never.self) { try s.validate() }
        for (name, preset) in BigGANNetworkSettings.presets {
            #expect(throws: Never.self, "\(name)") { try preset.validate() }
        }
    }
}
