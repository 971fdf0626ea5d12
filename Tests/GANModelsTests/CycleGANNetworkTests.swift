import Foundation
import GANLayers
import GANTensor
import GANTestSupport
import Testing
@testable import GANModels

/// CycleGAN's ResNet generator and PatchGAN discriminator against PyTorch's
/// (`scripts/reference/cyclegan.py`, fixtures by `scripts/make_cyclegan_fixtures.py`).
@Suite struct CycleGANNetworkTests {
    static let fixture = Result { try Fixture("cyclegan") }

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

    /// The largest error allowed, relative to the largest reference value. The reference is
    /// float64, ours float32 through up to 20 layers of sums of up to 512 terms: measured
    /// 0.4–1.6e-6 here, so 12× margin for other kernel paths; a wrong layer moves outputs by far
    /// more (zero padding in place of one reflection: 0.8).
    static let tolerance: Float = 2e-5

    /// Loads PyTorch's weights strictly (names and shapes) and compares G(x), D(x) and the input
    /// gradients of `sum(out · gy)`.
    @Test(arguments: ["g28", "c32"])
    func networksMatchPyTorch(_ name: String) throws {
        let fixture = try Self.fixture.get()
        let settings = try Self.metadata(name, as: CycleGANNetworkSettings.self)
        try settings.validate()
        var rng = RandomGenerator(seed: 1)
        let g = CycleGANGenerator(settings: settings, using: &rng)
        let d = CycleGANDiscriminator(settings: settings, using: &rng)
        try g.load(stateDict: Self.stateDict(fixture, prefix: "\(name).g."), strict: true, source: "cyclegan \(name).g")
        try d.load(stateDict: Self.stateDict(fixture, prefix: "\(name).d."), strict: true, source: "cyclegan \(name).d")

        for (network, role) in [(g as any UnaryLayer, "g"), (d, "d")] {
            let x = fixture["\(name).x"].requiringGradient()
            let out = network(x)
            let errOut = relativeError(out, fixture["\(name).\(role)_out"])
            #expect(errOut <= Self.tolerance, "\(name) \(role) output: \(errOut)")
            let dx = gradients(of: (out * fixture["\(name).\(role)_gy"]).sum(), wrt: [x])[0]
            let errDx = relativeError(dx, fixture["\(name).\(role)_dx"])
            #expect(errDx <= Self.tolerance, "\(name) \(role) input gradient: \(errDx)")
        }
        #expect(d(fixture["\(name).x"]).shape == [2, 1] + settings.patchGrid)
    }

    /// The Swift presets are those the reference script knows (a changed preset needs new
    /// fixtures), and their JSON keys are the reference's.
    @Test func presetsEqualTheReferences() throws {
        let reference = try Self.metadata("presets", as: [String: CycleGANNetworkSettings].self)
        #expect(Set(reference.keys) == Set(CycleGANNetworkSettings.presets.map(\.name)))
        for (name, settings) in CycleGANNetworkSettings.presets {
            #expect(reference[name] == settings, "preset \(name)")
            try settings.validate()
        }
    }

    struct Shapes: Decodable {
        var settings: CycleGANNetworkSettings
        var generator: [String: [Int]]
        var discriminator: [String: [Int]]
        var g_out: [Int]
        var d_out: [Int]
    }

    /// Every preset (and a discriminator deep enough to cap its width at 8·ndf) has PyTorch's
    /// state_dict names and shapes and its output shapes.
    @Test func everyPresetHasPyTorchsNamesAndShapes() throws {
        let all = try Self.metadata("shapes", as: [String: Shapes].self)
        #expect(Set(all.keys).isSuperset(of: CycleGANNetworkSettings.presets.map(\.name)))
        for (name, expected) in all.sorted(by: { $0.key < $1.key }) {
            let s = expected.settings
            var rng = RandomGenerator(seed: 2)
            let g = CycleGANGenerator(settings: s, using: &rng)
            let d = CycleGANDiscriminator(settings: s, using: &rng)
            let gShapes = Dictionary(uniqueKeysWithValues: g.stateDict().map { ($0.name, $0.tensor.shape) })
            let dShapes = Dictionary(uniqueKeysWithValues: d.stateDict().map { ($0.name, $0.tensor.shape) })
            #expect(gShapes == expected.generator, "\(name) generator state dict")
            #expect(dShapes == expected.discriminator, "\(name) discriminator state dict")
            let x = Tensor.zeros([1, s.channels, s.imageSize, s.imageSize])
            let (gOut, dOut) = withoutGradients { (g(x).shape, d(x).shape) }
            #expect(gOut == expected.g_out, "\(name) G output")
            #expect(dOut == expected.d_out, "\(name) D output")
            #expect(Array(dOut.dropFirst(2)) == s.patchGrid, "\(name) patch grid")
        }
    }

    /// The reference's `init_weights('normal', 0.02)`: every convolution weight N(0, 0.02²),
    /// every bias 0; the same seed gives the same networks.
    @Test func initialisationIsTheReferences() {
        var rng = RandomGenerator(seed: 3)
        let g = CycleGANGenerator(settings: .grey28, using: &rng)
        let d = CycleGANDiscriminator(settings: .grey28, using: &rng)
        for network in [g as Module, d] {
            for (name, p) in network.namedParameters() {
                let values = p.value.scalars
                if name.hasSuffix(".bias") {
                    #expect(values.allSatisfy { $0 == 0 }, "\(name) not zero")
                } else if values.count >= 1000 {
                    let mean = values.reduce(0, +) / Float(values.count)
                    let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
                    #expect(abs(mean) < 0.003 && abs(std - 0.02) < 0.002, "\(name): mean \(mean), std \(std)")
                }
            }
        }
        var again = RandomGenerator(seed: 3)
        let g2 = CycleGANGenerator(settings: .grey28, using: &again)
        #expect(g2.stateDict().map(\.tensor.scalars) == g.stateDict().map(\.tensor.scalars))
    }

    /// `copy()` (EMA, checkpoints) gives a network with the same outputs and its own parameters.
    @Test func copiesComputeTheSame() {
        var rng = RandomGenerator(seed: 4)
        let settings = CycleGANNetworkSettings(channels: 3, imageSize: 16, generatorWidth: 4, residualBlocks: 2,
                                               discriminatorWidth: 4, discriminatorLayers: 2)
        let g = CycleGANGenerator(settings: settings, using: &rng), d = CycleGANDiscriminator(settings: settings, using: &rng)
        let x = Tensor.randomUniform([2, 3, 16, 16], lower: -1, upper: 1, using: &rng)
        let g2 = g.copy(), d2 = d.copy()
        #expect(g2.model !== g.model && g2.parameters().count == g.parameters().count)
        withoutGradients {
            #expect(g2(x).scalars == g(x).scalars)
            #expect(d2(x).scalars == d(x).scalars)
        }
    }

    @Test func validationRejectsWhatCannotBeBuilt() {
        var s = CycleGANNetworkSettings.grey28
        s.imageSize = 30   // 30 → 15 → 8 → 16 → 32: the ups would not restore the side
        #expect(throws: ModelError.self) { try s.validate() }
        s = .grey28
        s.discriminatorLayers = 4   // 28 → 14 → 7 → 3 → 1: InstanceNorm over a 1×1 map, then nothing
        #expect(throws: ModelError.self) { try s.validate() }
        s.discriminatorLayers = 3   // the brief's 28 → 14 → 7 → 3 → 2 → 1
        #expect(throws: Never.self) { try s.validate() }
        #expect(s.patchGrid == [1, 1])
    }
}
