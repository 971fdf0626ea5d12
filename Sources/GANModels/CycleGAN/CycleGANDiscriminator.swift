import GANLayers
import GANTensor

/// CycleGAN's PatchGAN discriminator, built as `NLayerDiscriminator` of
/// `pytorch-CycleGAN-and-pix2pix` (`model.0.weight`, …): each output scores one overlapping
/// patch (70×70 with 3 layers at 256 pixels; smaller images use fewer layers).
///
/// ```text
/// Conv2d(C, w, 4, 2, 1), LeakyReLU(0.2)
/// (L − 1) × [Conv2d(4, 2, 1), InstanceNorm2d, LeakyReLU(0.2)]     channels ×2 up to 8w
/// Conv2d(4, 1, 1), InstanceNorm2d, LeakyReLU(0.2)
/// Conv2d(→ 1, 4, 1, 1)                                             raw patch scores
/// ```
/// Shapes: `[N, C, S, S]` → `[N, 1, P, P]`.
public final class CycleGANDiscriminator: Module, UnaryLayer {
    public let settings: CycleGANNetworkSettings
    public let model: Sequential

    public init(settings: CycleGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let w = settings.discriminatorWidth
        var layers: [any UnaryLayer] = [
            Conv2d(inputChannels: settings.channels, outputChannels: w, kernelSize: 4, stride: 2, padding: 1, using: &rng),
            LeakyReLU(0.2),
        ]
        var multiple = 1
        for n in 1..<max(1, settings.discriminatorLayers) {
            let previous = multiple
            multiple = min(1 << n, 8)
            layers += [Conv2d(inputChannels: w * previous, outputChannels: w * multiple, kernelSize: 4, stride: 2, padding: 1, using: &rng),
                       InstanceNorm2d(features: w * multiple), LeakyReLU(0.2)]
        }
        let previous = multiple
        multiple = min(1 << settings.discriminatorLayers, 8)
        layers += [Conv2d(inputChannels: w * previous, outputChannels: w * multiple, kernelSize: 4, stride: 1, padding: 1, using: &rng),
                   InstanceNorm2d(features: w * multiple), LeakyReLU(0.2),
                   Conv2d(inputChannels: w * multiple, outputChannels: 1, kernelSize: 4, stride: 1, padding: 1, using: &rng)]
        model = Sequential(layers: layers)
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("model", model) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return CycleGANDiscriminator(settings: settings, using: &rng)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == settings.imageShape,
                     "CycleGANDiscriminator: expected [N] + \(settings.imageShape), got \(x.shape)")
        return model(x)
    }
}
