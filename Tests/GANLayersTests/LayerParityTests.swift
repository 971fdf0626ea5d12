import Foundation
import Testing
import GANTensor
@testable import GANLayers
import GANTestSupport

/// Every layer against PyTorch (fixtures by scripts/make_layer_fixtures.py): the module loads
/// PyTorch's state dict strictly (names and shapes), then its forward output, the gradients
/// with respect to inputs and parameters, and the buffers after the forward passes (running
/// statistics, power-iteration vectors) must match within 1e-4 relative, in training and
/// evaluation mode.
struct LayerParityTests {
    static let tolerance: Float = 1e-4

    /// The worst relative error of each kind for one case.
    struct CaseResult {
        var output: Float = 0
        var inputGradient: Float = 0
        var parameterGradient: Float = 0
        var buffers: Float = 0
        var worst: Float { [output, inputGradient, parameterGradient, buffers].max()! }
    }

    static func run(_ fixture: Fixture, _ name: String) throws -> CaseResult {
        let params = fixture.parameters(name)
        let layerName = params["layer"] as! String
        let layer = makeLayer(layerName, Arguments(values: params["args"] as? [String: Any] ?? [:]))
        var state = StateDict()
        for (key, t) in fixture.tensors where key.hasPrefix("\(name).state.") {
            state[String(key.dropFirst("\(name).state.".count))] = t
        }
        try layer.module.load(stateDict: state, strict: true, source: "\(name) (\(layerName))")
        layer.module.train(params["mode"] as? String == "train")

        let x = fixture.tensor(name, "x")?.requiringGradient()
        let x2 = fixture.tensor(name, "x2")?.requiringGradient()
        let labels = fixture.tensor(name, "labels")?.scalars.map { Int($0) }
        var y = Tensor(0)
        for _ in 0..<(params["forwards"] as? Int ?? 1) { y = layer.forward(x, x2, labels) }

        var result = CaseResult()
        result.output = relativeError(y, fixture[name + ".y"])
        let named = layer.module.namedParameters()
        let inputs = [x, x2].compactMap { $0 }
        if y.requiresGradient {
            let grads = gradients(of: (y * fixture[name + ".gy"]).sum(), wrt: inputs + named.map(\.parameter.value))
            for (role, g) in zip(["dx", "dx2"].filter { fixture.tensor(name, $0) != nil }, grads) {
                result.inputGradient = max(result.inputGradient, relativeError(g, fixture[name + "." + role]))
            }
            // Some gradients are zero by construction (a key bias under softmax, a bias before
            // batch norm): compare those against the scale of the case's other gradients.
            let expected = named.map { fixture[name + ".grad." + $0.name] }
            let caseScale = expected.map { $0.count == 0 ? 0 : $0.abs().max().item }.max() ?? 0
            for (e, g) in zip(expected, grads.dropFirst(inputs.count)) {
                let vanishing = e.count == 0 || e.abs().max().item <= 1e-9 * caseScale
                let err = relativeError(g, e, scale: vanishing ? Swift.max(caseScale, 1e-12) : 1e-12)
                result.parameterGradient = max(result.parameterGradient, err)
            }
        }
        for (bname, buffer) in layer.module.namedBuffers() {
            let expected = fixture[name + ".after." + bname]
            result.buffers = max(result.buffers, relativeError(buffer.value, expected))
        }
        return result
    }

    @Test(arguments: ["layers_core", "layers_norm", "layers_gan", "layers_pool"])
    func layersMatchPyTorch(_ file: String) throws {
        let fixture = try Fixture(file)
        #expect(!fixture.cases.isEmpty)
        var worstByLayer: [String: Float] = [:]
        for name in fixture.cases {
            let params = fixture.parameters(name)
            let label = "\(name) \(params["layer"]!) \(params["mode"]!) \(params["args"] ?? "")"
            let r = try Self.run(fixture, name)
            #expect(r.output <= Self.tolerance, "\(label): output error \(r.output)")
            #expect(r.inputGradient <= Self.tolerance, "\(label): input gradient error \(r.inputGradient)")
            #expect(r.parameterGradient <= Self.tolerance, "\(label): parameter gradient error \(r.parameterGradient)")
            #expect(r.buffers <= Self.tolerance, "\(label): buffer error \(r.buffers)")
            let key = params["layer"] as! String
            worstByLayer[key] = max(worstByLayer[key] ?? 0, r.worst)
        }
        for (layer, err) in worstByLayer.sorted(by: { $0.key < $1.key }) {
            print("parity \(file) \(layer): worst relative error \(err)")
        }
    }

    @Test func everyLayerListsItsChildren() {
        var rng = RandomGenerator(seed: 3)
        let layers: [Module] = [
            Linear(inputFeatures: 3, outputFeatures: 2, using: &rng),
            Conv2d(inputChannels: 2, outputChannels: 2, kernelSize: 3, using: &rng),
            ConvTranspose2d(inputChannels: 2, outputChannels: 2, kernelSize: 3, using: &rng),
            Embedding(entries: 3, dimension: 2, using: &rng),
            BatchNorm1d(features: 2), BatchNorm2d(features: 2), InstanceNorm2d(features: 2, affine: true, trackRunningStatistics: true),
            LayerNorm(normalizedShape: [2]), GroupNorm(groups: 1, channels: 2), PixelNorm(),
            SpectralNorm(Conv2d(inputChannels: 2, outputChannels: 2, kernelSize: 1, using: &rng), using: &rng),
            EqualizedLinear(inputFeatures: 2, outputFeatures: 2, using: &rng),
            EqualizedConv2d(inputChannels: 2, outputChannels: 2, kernelSize: 1, using: &rng),
            MinibatchStdDev(), SelfAttention2d(channels: 8, spectralNormalization: true, using: &rng),
            ConditionalBatchNorm2d(features: 2, condition: .classes(3), using: &rng),
            ConditionalBatchNorm2d(features: 2, condition: .vector(3), spectralNormalization: true, using: &rng),
            AdaptiveInstanceNorm2d(channels: 2, styleDimension: 3, using: &rng),
            ModulatedConv2d(inputChannels: 2, outputChannels: 2, kernelSize: 3, styleDimension: 3, using: &rng),
            Sequential(ReLU(), Linear(inputFeatures: 2, outputFeatures: 2, using: &rng), Dropout(using: &rng)),
            Sequential(LeakyReLU(0.2), Tanh(), Sigmoid(), ELU(), Softplus(), Flatten(), Unflatten([2, 1, 1]),
                       Upsample(scale: 2), AvgPool2d(kernelSize: 2), MaxPool2d(kernelSize: 2), Pad2d(1, mode: .reflect), Identity(), Lambda { $0 }),
            ModuleList([Linear(inputFeatures: 2, outputFeatures: 2, using: &rng)]),
            PReLU(parameterCount: 3),
            InterchangeNet(using: &rng),
        ]
        for layer in layers {
            #expect(unlistedChildren(of: layer) == [], "\(type(of: layer)) has unlisted children")
        }
    }

    @Test func theMirrorCheckCatchesAForgottenParameter() {
        final class Forgetful: Module {
            let weight = Parameter(Tensor.zeros([2]))
            let scale = Parameter(Tensor.ones([1]))  // not listed
            override func visitChildren(_ visitor: ModuleVisitor) { visitor.parameter("weight", weight) }
        }
        #expect(unlistedChildren(of: Forgetful()) == ["Forgetful.scale"])
    }
}
