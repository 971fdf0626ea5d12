import Testing
import GANTensor
@testable import GANLayers
import GANTestSupport

/// Gradients of gradients through layers (WGAN-GP's penalty and StyleGAN2's R1 differentiate
/// ‖∂D/∂x‖), against finite differences; and dropout's behaviour.
struct GradientTests {
    static func layers(_ rng: inout RandomGenerator) -> [(String, (Tensor) -> Tensor, [Int])] {
        let snConv = SpectralNorm(Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, using: &rng), using: &rng)
        snConv.eval()
        let critic = Sequential(snConv, BatchNorm2d(features: 3), LeakyReLU(0.2), MinibatchStdDev(groupSize: 2),
                                Flatten(), Linear(inputFeatures: 4 * 16, outputFeatures: 1, using: &rng))
        critic.train()
        snConv.eval()  // a fixed u, v: each call of the check sees the same weight
        let attention = SelfAttention2d(channels: 8, using: &rng)
        attention.gamma.value = Tensor([0.7])
        let modulated = ModulatedConv2d(inputChannels: 2, outputChannels: 2, kernelSize: 3, styleDimension: 3, using: &rng)
        let style = Tensor.randomNormal([2, 3], using: &rng)
        let equalized = Sequential(EqualizedConv2d(inputChannels: 2, outputChannels: 2, kernelSize: 3, padding: 1, using: &rng),
                                   PixelNorm(), InstanceNorm2d(features: 2, affine: true))
        return [
            ("SN conv, BN, MinibatchStdDev, Linear", { critic($0) }, [4, 2, 4, 4]),
            ("SelfAttention2d", { attention($0).tanh() }, [2, 8, 2, 2]),
            ("ModulatedConv2d", { modulated($0, style: style).tanh() }, [2, 2, 4, 4]),
            ("EqualizedConv2d, PixelNorm, InstanceNorm2d", { equalized($0).tanh() }, [2, 2, 4, 4]),
        ]
    }

    @Test func secondOrderGradientsFlowThroughLayers() {
        var rng = RandomGenerator(seed: 21)
        for (name, f, shape) in Self.layers(&rng) {
            let x = Tensor.randomNormal(shape, using: &rng)
            let first = checkGradients([x], epsilon: 1e-2) { f($0[0]) }
            #expect(first.worstError < 5e-3, "\(name) first order: \(first)")
            let second = checkGradients([x], epsilon: 4e-3, secondOrder: true) { f($0[0]) }
            #expect(second.worstError < 5e-3, "\(name) second order: \(second)")
            print("finite differences \(name): first order \(first.worstError), second order \(second.worstError)")
        }
    }

    @Test func dropoutScalesInTrainingAndIsTheIdentityInEvaluation() {
        var rng = RandomGenerator(seed: 22)
        let dropout = Dropout(probability: 0.25, using: &rng)
        let x = Tensor.ones([100_000])
        let y = dropout(x)
        let kept = y.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        #expect(abs(Float(kept.count) / 100_000 - 0.75) < 0.01)
        #expect(dropout(x).scalars != y.scalars)  // a new mask each call
        dropout.eval()
        #expect(dropout(x).scalars == x.scalars)
    }
}
