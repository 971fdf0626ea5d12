import GANLayers
import GANTensor

/// CycleGAN's PatchGAN discriminator, built exactly as `NLayerDiscriminator` of
/// `junyanz/pytorch-CycleGAN-and-pix2pix` with InstanceNorm and no sigmoid (the LSGAN loss takes
/// raw scores), under the same state_dict names. With `d = ndf`, `L = n_layers` and
/// `f(n) = d·min(2ⁿ, 8)`:
///
/// ```text
/// model.0     Conv2d(C, d, 4, stride 2, padding 1)       // [d, C, 4, 4] + bias
/// model.1     LeakyReLU(0.2)
/// n = 1 … L−1 (model.2, 5, 8, …):
///             Conv2d(f(n−1), f(n), 4, stride 2, padding 1), InstanceNorm2d(f(n)), LeakyReLU(0.2)
/// model.3L−1  Conv2d(f(L−1), f(L), 4, stride 1, padding 1), InstanceNorm2d(f(L)), LeakyReLU(0.2)
/// model.3L+2  Conv2d(f(L), 1, 4, stride 1, padding 1)    // [1, f(L), 4, 4] + bias
/// ```
///
/// With L = 3 each score sees a 70×70 patch. Weights are drawn as the reference's
/// `init_weights` (`normal`, gain 0.02): convolution weights N(0, 0.02²), biases 0.
/// Shapes: `[N, C, S, S]` → `[N, 1, h, w]` patch scores, `[h, w] = settings.patchGrid`.
public final class CycleGANDiscriminator: Module, UnaryLayer {
    public let settings: CycleGANNetworkSettings
    /// The layers, named as in PyTorch (`model.0.weight`, …).
    public let model: Sequential

    /// A discriminator for `settings`, initialised from `rng` as the reference does.
    public init(settings: CycleGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let layers = settings.discriminatorLayers
        let f = settings.discriminatorChannels
        model = Sequential {
            Conv2d(inputChannels: settings.channels, outputChannels: f(0), kernelSize: 4, stride: 2, padding: 1, using: &rng)
            LeakyReLU(0.2)
            for n in 1..<max(layers, 1) {
                Conv2d(inputChannels: f(n - 1), outputChannels: f(n), kernelSize: 4, stride: 2, padding: 1, using: &rng)
                InstanceNorm2d(features: f(n))
                LeakyReLU(0.2)
            }
            Conv2d(inputChannels: f(layers - 1), outputChannels: f(layers), kernelSize: 4, stride: 1, padding: 1, using: &rng)
            InstanceNorm2d(features: f(layers))
            LeakyReLU(0.2)
            Conv2d(inputChannels: f(layers), outputChannels: 1, kernelSize: 4, stride: 1, padding: 1, using: &rng)
        }
        super.init()
        // The reference's init_weights('normal', 0.02); InstanceNorm has no parameters.
        Initializer.dcgan(self, using: &rng)
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("model", model) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return CycleGANDiscriminator(settings: settings, using: &rng)
    }

    /// Patch scores `[N, 1, h, w]` (raw, no sigmoid) for images `[N, C, S, S]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let c = settings.channels, s = settings.imageSize
        precondition(x.rank == 4 && x.shape[1] == c && x.shape[2] == s && x.shape[3] == s,
                     "CycleGANDiscriminator: expected [N, \(c), \(s), \(s)], got \(x.shape)")
        return model(x)
    }
}
