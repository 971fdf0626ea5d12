import GANLayers
import GANTensor

/// CycleGAN's ResNet generator (Zhu et al. 2017, after Johnson et al. 2016), built as
/// `ResnetGenerator` of `pytorch-CycleGAN-and-pix2pix` (`networks.py`) so that its state_dict
/// names match (`model.1.weight`, `model.10.conv_block.5.weight`, …):
///
/// ```text
/// model.0–3    ReflectionPad2d(3), Conv2d(C, w, 7), InstanceNorm2d, ReLU          c7s1-w
/// model.4–9    2 × [Conv2d(k3, s2, p1), InstanceNorm2d, ReLU]                     d2w, d4w
/// model.10…    B × ResnetBlock(4w)                                                 R4w
///              2 × [ConvTranspose2d(k3, s2, p1, output_padding 1), IN, ReLU]      u2w, uw
///              ReflectionPad2d(3), Conv2d(w, C, 7), Tanh                           c7s1-C
/// ```
/// Convolutions have biases (InstanceNorm without affine parameters follows each).
/// Shapes: `[N, C, S, S]` → `[N, C, S, S]`, S a multiple of 4.
public final class CycleGANGenerator: Module, UnaryLayer {
    public let settings: CycleGANNetworkSettings
    /// The layers, numbered as the reference numbers them.
    public let model: Sequential

    public init(settings: CycleGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let c = settings.channels, w = settings.generatorWidth
        var layers: [any UnaryLayer] = [
            Pad2d(3, mode: .reflect),
            Conv2d(inputChannels: c, outputChannels: w, kernelSize: 7, using: &rng),
            InstanceNorm2d(features: w), ReLU(),
        ]
        for i in 0..<2 {
            let m = 1 << i
            layers += [Conv2d(inputChannels: w * m, outputChannels: w * m * 2, kernelSize: 3, stride: 2, padding: 1, using: &rng),
                       InstanceNorm2d(features: w * m * 2), ReLU()]
        }
        for _ in 0..<settings.residualBlocks { layers.append(CycleGANResidualBlock(channels: 4 * w, using: &rng)) }
        for i in 0..<2 {
            let m = 1 << (2 - i)
            layers += [ConvTranspose2d(inputChannels: w * m, outputChannels: w * m / 2, kernelSize: 3, stride: 2, padding: 1,
                                       outputPadding: 1, using: &rng),
                       InstanceNorm2d(features: w * m / 2), ReLU()]
        }
        layers += [Pad2d(3, mode: .reflect), Conv2d(inputChannels: w, outputChannels: c, kernelSize: 7, using: &rng), Tanh()]
        model = Sequential(layers: layers)
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("model", model) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return CycleGANGenerator(settings: settings, using: &rng)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == settings.imageShape,
                     "CycleGANGenerator: expected [N] + \(settings.imageShape), got \(x.shape)")
        return model(x)
    }
}

/// `ResnetBlock` of the reference: `x + conv_block(x)` with
/// `conv_block` = ReflectionPad2d(1), Conv2d(k3), IN, ReLU, ReflectionPad2d(1), Conv2d(k3), IN
/// (`conv_block.1.weight`, `conv_block.5.weight`). Shapes: `[N, C, H, W]` → the same.
public final class CycleGANResidualBlock: Module, UnaryLayer {
    public let channels: Int
    public let convBlock: Sequential

    public init(channels: Int, using rng: inout RandomGenerator) {
        self.channels = channels
        convBlock = Sequential {
            Pad2d(1, mode: .reflect)
            Conv2d(inputChannels: channels, outputChannels: channels, kernelSize: 3, using: &rng)
            InstanceNorm2d(features: channels)
            ReLU()
            Pad2d(1, mode: .reflect)
            Conv2d(inputChannels: channels, outputChannels: channels, kernelSize: 3, using: &rng)
            InstanceNorm2d(features: channels)
        }
    }

    public override func visitChildren(_ v: ModuleVisitor) { v.module("conv_block", convBlock) }

    public override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return CycleGANResidualBlock(channels: channels, using: &rng)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x + convBlock(x) }
}
