import Foundation
import Testing
import GANTensor
@testable import GANLayers
import GANTestSupport

/// The module tree: names, state dicts, loading errors, modes, copies.
struct ModuleTests {
    /// A DCGAN-style discriminator: `main` is a Sequential, as in PyTorch's DCGAN example.
    final class Critic: Module, UnaryLayer {
        let main: Sequential
        init(using rng: inout RandomGenerator) {
            main = Sequential {
                Conv2d(inputChannels: 1, outputChannels: 4, kernelSize: 4, stride: 2, padding: 1, bias: false, using: &rng)
                LeakyReLU(0.2)
                Conv2d(inputChannels: 4, outputChannels: 8, kernelSize: 4, stride: 2, padding: 1, bias: false, using: &rng)
                BatchNorm2d(features: 8)
                LeakyReLU(0.2)
                Flatten()
                Linear(inputFeatures: 8 * 7 * 7, outputFeatures: 1, using: &rng)
            }
        }
        func callAsFunction(_ input: Tensor) -> Tensor { main(input) }
        override func visitChildren(_ visitor: ModuleVisitor) { visitor.module("main", main) }
        override func structuralCopy() -> Module {
            var rng = RandomGenerator(seed: 0)
            return Critic(using: &rng)
        }
    }

    @Test func namesFollowPyTorchStateDict() {
        var rng = RandomGenerator(seed: 1)
        let critic = Critic(using: &rng)
        #expect(critic.stateDict().keys == [
            "main.0.weight", "main.2.weight", "main.3.weight", "main.3.bias", "main.3.running_mean",
            "main.3.running_var", "main.3.num_batches_tracked", "main.6.weight", "main.6.bias",
        ])
        #expect(critic.namedParameters().map(\.name) == [
            "main.0.weight", "main.2.weight", "main.3.weight", "main.3.bias", "main.6.weight", "main.6.bias",
        ])
        #expect(critic.stateDict().entry("main.3.num_batches_tracked")?.dtype == .int64)
        #expect(critic.parameterCount == 4 * 16 + 8 * 4 * 16 + 8 + 8 + 392 + 1)
        #expect(critic.namedModules().map(\.name) == ["", "main", "main.0", "main.1", "main.2", "main.3", "main.4", "main.5", "main.6"])

        let sn = Sequential(SpectralNorm(Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, using: &rng), using: &rng))
        #expect(sn.stateDict().keys == ["0.bias", "0.weight_orig", "0.weight_u", "0.weight_v"])
        #expect(sn.stateDict()["0.weight_u"]?.shape == [3])
        #expect(sn.stateDict()["0.weight_v"]?.shape == [18])
        let snT = SpectralNorm(ConvTranspose2d(inputChannels: 2, outputChannels: 3, kernelSize: 4, using: &rng), using: &rng)
        #expect(snT.u.shape == [3] && snT.v.shape == [32])
        let attention = SelfAttention2d(channels: 16, using: &rng)
        #expect(attention.stateDict().keys == ["query_conv.weight", "query_conv.bias", "key_conv.weight", "key_conv.bias",
                                               "value_conv.weight", "value_conv.bias", "gamma"])
        #expect(attention.stateDict()["query_conv.weight"]?.shape == [2, 16, 1, 1])
        let cbn = ConditionalBatchNorm2d(features: 4, condition: .vector(6), spectralNormalization: true, using: &rng)
        #expect(cbn.stateDict().keys == ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
                                         "gain.weight_orig", "gain.weight_u", "gain.weight_v",
                                         "bias.weight_orig", "bias.weight_u", "bias.weight_v"])
        let named = Sequential(named: [("conv", Conv2d(inputChannels: 1, outputChannels: 1, kernelSize: 1, using: &rng))])
        #expect(named.stateDict().keys == ["conv.weight", "conv.bias"])
    }

    /// Without a graph, Linear multiplies by its weight packed once: the bits of the graph path,
    /// and a new weight (an optimiser step, a loaded checkpoint) is packed again, not the old one
    /// reused.
    @Test func linearInferenceFollowsItsWeight() {
        var rng = RandomGenerator(seed: 3)
        let layer = Linear(inputFeatures: 300, outputFeatures: 70, using: &rng)
        let x = Tensor.randomNormal([64, 300], using: &rng)
        for _ in 0..<2 {
            let recorded = layer(x.requiringGradient())
            #expect(recorded.requiresGradient)
            let fast = withoutGradients { layer(x) }
            #expect(fast.scalars.map(\.bitPattern) == recorded.scalars.map(\.bitPattern))
            layer.weight.value = layer.weight.value * 0.5 + 0.25
        }
        let before = withoutGradients { layer(x) }
        layer.weight.value = Tensor.randomNormal([70, 300], using: &rng)
        let after = withoutGradients { layer(x) }
        #expect(after.scalars != before.scalars)
        #expect(after.scalars.map(\.bitPattern) == layer(x.requiringGradient()).scalars.map(\.bitPattern))
    }

    @Test func sharedParametersAppearOnceInParameters() {
        var rng = RandomGenerator(seed: 2)
        let shared = Linear(inputFeatures: 2, outputFeatures: 2, using: &rng)
        let model = Sequential(shared, Tanh(), shared)
        #expect(model.parameters().count == 2)
        #expect(model.stateDict().keys == ["0.weight", "0.bias", "2.weight", "2.bias"])
    }

    @Test func loadReportsMissingUnexpectedAndMisshapedKeys() throws {
        var rng = RandomGenerator(seed: 3)
        let critic = Critic(using: &rng)
        var state = critic.stateDict()
        let before = critic.stateDict()
        state.remove("main.6.bias")
        state["main.9.weight"] = Tensor.zeros([1])
        state["main.0.weight"] = Tensor.zeros([4, 3, 4, 4])
        do {
            try critic.load(stateDict: state, source: "checkpoint.safetensors")
            Issue.record("load accepted a bad state dict")
        } catch let error as CheckpointError {
            #expect(error == .stateMismatch(file: "checkpoint.safetensors", missing: ["main.6.bias"], unexpected: ["main.9.weight"],
                                            misshaped: [.init(name: "main.0.weight", found: [4, 3, 4, 4], expected: [4, 1, 4, 4])]))
            let message = error.description
            #expect(message.contains("checkpoint.safetensors: tensor 'main.0.weight' has shape [4, 3, 4, 4], expected [4, 1, 4, 4]"))
            #expect(message.contains("missing key 'main.6.bias'"))
            #expect(message.contains("unexpected key 'main.9.weight'"))
        }
        // Nothing was assigned.
        for entry in before {
            #expect(critic.stateDict()[entry.name]!.scalars == entry.tensor.scalars)
        }
        // Non-strict loading skips missing and unexpected keys but never a wrong shape.
        state["main.0.weight"] = Tensor.ones([4, 1, 4, 4])
        try critic.load(stateDict: state, strict: false)
        #expect(critic.stateDict()["main.0.weight"]!.scalars.allSatisfy { $0 == 1 })
        state["main.2.weight"] = Tensor.ones([1])
        #expect(throws: CheckpointError.self) { try critic.load(stateDict: state, strict: false) }
        // An older checkpoint without num_batches_tracked loads strictly, as in PyTorch.
        var old = critic.stateDict()
        old.remove("main.3.num_batches_tracked")
        try critic.load(stateDict: old, strict: true)
    }

    @Test func loadedParametersAreFreshLeaves() throws {
        var rng = RandomGenerator(seed: 4)
        let linear = Linear(inputFeatures: 3, outputFeatures: 2, using: &rng)
        var state = linear.stateDict()
        state["weight"] = (Tensor.ones([2, 3]).requiringGradient() * 2)  // a recorded tensor
        try linear.load(stateDict: state)
        #expect(linear.weight.value.isLeaf)
        let y = linear(Tensor.ones([1, 3])).sum()
        y.backward()
        #expect(linear.weight.gradient?.scalars == [1, 1, 1, 1, 1, 1])
        linear.zeroGradients()
        #expect(linear.weight.gradient == nil)
    }

    @Test func trainAndEvalReachEveryModule() {
        var rng = RandomGenerator(seed: 5)
        let model = Sequential(SpectralNorm(Linear(inputFeatures: 2, outputFeatures: 2, using: &rng), using: &rng),
                               Sequential(BatchNorm1d(features: 2), Dropout(using: &rng)))
        model.eval()
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
        #expect((model[0] as! SpectralNorm<Linear>).layer.isTraining == false)
        model.train()
        #expect(model.namedModules().allSatisfy { $0.module.isTraining })
    }

    @Test func evalModeUsesRunningStatisticsAndFreezesThem() {
        let bn = BatchNorm2d(features: 2)
        var rng = RandomGenerator(seed: 6)
        let x = Tensor.randomNormal([3, 2, 2, 2], using: &rng)
        _ = bn(x)
        #expect(bn.batchesTracked!.value.item == 1)
        let mean = bn.runningMean!.value.scalars
        bn.eval()
        let y = bn(x)
        #expect(bn.runningMean!.value.scalars == mean && bn.batchesTracked!.value.item == 1)
        let expected = (x - bn.runningMean!.value.reshaped([1, 2, 1, 1])) * (bn.runningVariance!.value.reshaped([1, 2, 1, 1]) + 1e-5).rsqrt()
        #expect(relativeError(y, expected) < 1e-6)
    }

    @Test func copiesAreDeepAndKeepModes() throws {
        var rng = RandomGenerator(seed: 7)
        let original = InterchangeNet(using: &rng)
        withoutGradients { _ = original(Tensor.randomNormal([3, 4, 2, 2], using: &rng)) }
        original.head.eval()
        let clone = original.copy()
        #expect(type(of: clone) == InterchangeNet.self)
        let a = original.stateDict(), b = clone.stateDict()
        #expect(a.keys == b.keys)
        for entry in a { #expect(b[entry.name]!.scalars == entry.tensor.scalars, "\(entry.name)") }
        #expect(Set(original.parameters().map(ObjectIdentifier.init)).isDisjoint(with: clone.parameters().map(ObjectIdentifier.init)))
        #expect(zip(original.namedModules(), clone.namedModules()).allSatisfy { $0.module.isTraining == $1.module.isTraining })
        // Changing the copy leaves the original alone.
        clone.parameters()[0].value = Tensor.zeros(clone.parameters()[0].shape)
        #expect(original.parameters()[0].value.scalars != clone.parameters()[0].value.scalars)
        let x = Tensor.randomNormal([2, 4, 2, 2], using: &rng)
        let other = original.copy()
        #expect(withoutGradients { relativeError(other.eval()(x), original.eval()(x)) } == 0)
    }

    @Test func sequentialBuilderAndModuleList() {
        var rng = RandomGenerator(seed: 8)
        let withBatchNorm = true
        let model = Sequential {
            Linear(inputFeatures: 3, outputFeatures: 4, using: &rng)
            if withBatchNorm { BatchNorm1d(features: 4) }
            for _ in 0..<2 { ReLU() }
        }
        #expect(model.count == 4)
        #expect(model(Tensor.ones([2, 3])).shape == [2, 4])
        let list = ModuleList((0..<3).map { _ in Linear(inputFeatures: 2, outputFeatures: 2, using: &rng) })
        #expect(list.stateDict().keys == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"])
        #expect(list[1].outputFeatures == 2 && list.count == 3)
        let copied = list.copy()
        #expect(copied[2].weight !== list[2].weight && copied[2].weight.value.scalars == list[2].weight.value.scalars)
    }

    @Test func defaultInitialisationHasPyTorchBounds() {
        var rng = RandomGenerator(seed: 9)
        let linear = Linear(inputFeatures: 100, outputFeatures: 50, using: &rng)
        let bound: Float = 1 / 10
        #expect(linear.weight.value.abs().max().item <= bound && linear.weight.value.abs().max().item > 0.9 * bound)
        #expect(linear.bias!.value.abs().max().item <= bound)
        let deconv = ConvTranspose2d(inputChannels: 8, outputChannels: 4, kernelSize: 4, using: &rng)
        let fanIn: Float = 4 * 16  // PyTorch: weight.size(1) * k * k
        #expect(deconv.weight.value.abs().max().item <= 1 / fanIn.squareRoot())
        #expect(deconv.weight.value.abs().max().item > 0.9 / fanIn.squareRoot())
    }
}
