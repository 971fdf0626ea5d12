import GANLayers
import GANTensor

/// CycleGAN's ResNet generator (Zhu et al. 2017, after Johnson et al.), built exactly as
/// `ResnetGenerator` of `junyanz/pytorch-CycleGAN-and-pix2pix` with InstanceNorm (so every
/// convolution before a norm has a bias), reflection padding, transposed convolutions up and
/// no dropout, under the same state_dict names:
///
/// ```text
/// model.0      ReflectionPad2d(3)
/// model.1      Conv2d(C, g, 7)                          // [g, C, 7, 7]      S
/// model.2–3    InstanceNorm2d(g), ReLU
/// model.4      Conv2d(g, 2g, 3, stride 2, padding 1)    // [2g, g, 3, 3]     S/2
/// model.5–6    InstanceNorm2d(2g), ReLU
/// model.7      Conv2d(2g, 4g, 3, stride 2, padding 1)   // [4g, 2g, 3, 3]    S/4
/// model.8–9    InstanceNorm2d(4g), ReLU
/// model.10 …   B × CycleGANResidualBlock(4g)            // model.10.conv_block.1.weight, …
/// model.10+B   ConvTranspose2d(4g, 2g, 3, stride 2, padding 1, output padding 1)  // [4g, 2g, 3, 3]  S/2
///              InstanceNorm2d(2g), ReLU
/// model.13+B   ConvTranspose2d(2g, g, 3, 2, 1, 1)       // [2g, g, 3, 3]     S
///              InstanceNorm2d(g), ReLU
/// model.16+B   ReflectionPad2d(3)
/// model.17+B   Conv2d(g, C, 7)                          // [C, g, 7, 7]
/// model.18+B   Tanh
/// ```
///
/// with `g = ngf`, `B = n_blocks`. Weights are drawn as the reference's `init_weights`
/// (`normal`, gain 0.02): convolution weights N(0, 0.02²), biases 0.
/// Shapes: `[N, C, S, S]` → `[N, C, S, S]` in [−1, 1].
public final class CycleGANGenerator: Module, UnaryLayer {
    public let settings: CycleGANNetworkSettings
    /// The layers, named as in PyTorch (`model.1.weight`, `model.10.conv_block.1.weight`, …).
    public let model: Sequential

    /// A generator for `settings`, initialised from `rng` as the reference does.
    public init(settings: CycleGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let c = settings.channels, g = settings.generatorWidth
        model = Sequential {
            Pad2d(3, mode: .reflect)
            Conv2d(inputChannels: c, outputChannels: g, kernelSize: 7, using: &rng)
            InstanceNorm2d(features: g)
            ReLU()
            for m in [1, 2] {   // two stride-2 downs: g → 2g → 4g
                Conv2d(inputChannels: g * m, outputChannels: g * m * 2, kernelSize: 3, stride: 2, padding: 1, using: &rng)
                InstanceNorm2d(features: g * m * 2)
                ReLU()
            }
            for _ in 0..<settings.residualBlocks {
                CycleGANResidualBlock(channels: 4 * g, using: &rng)
            }
            for m in [4, 2] {   // two stride-2 ups: 4g → 2g → g
                ConvTranspose2d(inputChannels: g * m, outputChannels: g * m / 2, kernelSize: 3, stride: 2, padding: 1,
                                outputPadding: 1, using: &rng)
                InstanceNorm2d(features: g * m / 2)
                ReLU()
            }
            Pad2d(3, mode: .reflect)
            Conv2d(inputChannels: g, outputChannels: c, kernelSize: 7, using: &rng)
            Tanh()
        }
        super.init()
        // The reference's init_weights('normal', 0.02); InstanceNorm has no parameters.
        Initializer.dcgan(self, using: &rng)
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("model", model) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return CycleGANGenerator(settings: settings, using: &rng)
    }

    /// Translates images `[N, C, S, S]` (in [−1, 1]) to the other domain: `[N, C, S, S]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let c = settings.channels, s = settings.imageSize
        precondition(x.rank == 4 && x.shape[1] == c && x.shape[2] == s && x.shape[3] == s,
                     "CycleGANGenerator: expected [N, \(c), \(s), \(s)], got \(x.shape)")
        return model(x)
    }
}
