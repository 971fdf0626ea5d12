import GANLayers
import GANTensor

/// StyleGAN2's residual discriminator (Karras et al. 2019, config E/F; rosinality's
/// `Discriminator`) at the sizes of `StyleGANNetworkSettings`:
///
/// ```text
/// from_rgb:    EqualizedConv 1×1 (channels → C_L), act          [N, channels, S, S] → [N, C_L, S, S]
/// blocks.j:    StyleGAN2ResidualBlock C_{L−j} → C_{L−j−1}, j = 0 … L − 1 (largest side first)
/// final_conv:  MinibatchStdDev (group 4), EqualizedConv 3×3 (C₀ + 1 → C₀), act
/// final_linear: EqualizedLinear (C₀·b² → C₀), act;  final_output: EqualizedLinear (C₀ → 1)
/// ```
/// Every weight has gain 1 and every activation is `fused_leaky_relu` (bias, LReLU 0.2, × √2).
/// The minibatch group is the largest divisor of the batch up to `groupSize`, as ProGAN's.
///
/// State-dict names: `from_rgb.weight` `[C_L, channels, 1, 1]`, `from_rgb.bias`, `blocks.j.…`,
/// `final_conv.weight` `[C₀, C₀ + 1, 3, 3]`, `final_conv.bias`, `final_linear.weight`
/// `[C₀, C₀·b²]`, `final_linear.bias`, `final_output.weight` `[1, C₀]`, `final_output.bias`
/// (rosinality: `convs.0`, `convs.(j+1)`, `final_conv`, `final_linear.0`, `final_linear.1`).
public final class StyleGAN2Discriminator: Module, UnaryLayer {
    public let settings: StyleGANNetworkSettings
    public let fromRGB: EqualizedConv2d
    public let blocks: ModuleList<StyleGAN2ResidualBlock>
    public let finalConv: EqualizedConv2d
    public let finalLinear: EqualizedLinear
    public let finalOutput: EqualizedLinear

    public init(settings: StyleGANNetworkSettings, using rng: inout RandomGenerator) {
        self.settings = settings
        let c = settings.levelChannels, levels = settings.levels, b = settings.bottomSide
        fromRGB = EqualizedConv2d(inputChannels: settings.channels, outputChannels: c[levels], kernelSize: 1, using: &rng)
        blocks = ModuleList((0..<levels).map { j in
            StyleGAN2ResidualBlock(inputChannels: c[levels - j], outputChannels: c[levels - j - 1], using: &rng)
        })
        finalConv = EqualizedConv2d(inputChannels: c[0] + 1, outputChannels: c[0], kernelSize: 3, padding: 1, using: &rng)
        finalLinear = EqualizedLinear(inputFeatures: c[0] * b * b, outputFeatures: c[0], using: &rng)
        finalOutput = EqualizedLinear(inputFeatures: c[0], outputFeatures: 1, using: &rng)
    }

    private init(copying other: StyleGAN2Discriminator) {
        settings = other.settings
        fromRGB = other.fromRGB.structuralCopy() as! EqualizedConv2d
        blocks = other.blocks.structuralCopy() as! ModuleList<StyleGAN2ResidualBlock>
        finalConv = other.finalConv.structuralCopy() as! EqualizedConv2d
        finalLinear = other.finalLinear.structuralCopy() as! EqualizedLinear
        finalOutput = other.finalOutput.structuralCopy() as! EqualizedLinear
    }

    /// `[N, channels, S, S]` → scores `[N, 1]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let s = settings.imageSize, n = x.shape[0]
        precondition(x.rank == 4 && x.shape[1] == settings.channels && x.shape[2] == s && x.shape[3] == s,
                     "StyleGAN2Discriminator: input must be [N, \(settings.channels), \(s), \(s)], got \(x.shape)")
        var h = StyleGAN2ResidualBlock.activation(fromRGB(x))
        for block in blocks { h = block(h) }
        let group = stride(from: Swift.min(settings.groupSize, n), through: 1, by: -1).first { n % $0 == 0 }!
        h = StyleGAN2ResidualBlock.activation(finalConv(MinibatchStdDev(groupSize: group)(h)))
        return finalOutput(StyleGAN2ResidualBlock.activation(finalLinear(h.reshaped([n, -1]))))
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("from_rgb", fromRGB)
        visitor.module("blocks", blocks)
        visitor.module("final_conv", finalConv)
        visitor.module("final_linear", finalLinear)
        visitor.module("final_output", finalOutput)
    }

    override public func structuralCopy() -> Module { StyleGAN2Discriminator(copying: self) }
}
