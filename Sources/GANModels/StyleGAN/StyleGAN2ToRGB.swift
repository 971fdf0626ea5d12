import GANLayers
import GANTensor

/// StyleGAN2's skip output of one level (rosinality's `ToRGB`): a modulated 1×1 convolution
/// without demodulation to the image channels, plus a bias, plus the previous level's RGB
/// up-sampled (bilinear ×2; the official code up-samples with the [1, 3, 3, 1] filter, which
/// bilinear ×2 is, up to the border: bilinear repeats the edge pixel where upfirdn pads zeros).
///
/// ```text
/// rgb = ModulatedConv2d_1×1(h, w) + bias  (+ up(rgb_previous))
/// ```
///
/// Shapes: `[N, C, s, s]`, `w [N, nz]`, skip `[N, channels, s/2, s/2]` → `[N, channels, s, s]`.
/// State-dict names (rosinality's): `conv.weight` `[1, channels, C, 1, 1]`,
/// `conv.modulation.weight` `[C, nz]`, `conv.modulation.bias` `[C]`, `bias` `[1, channels, 1, 1]`.
public final class StyleGAN2ToRGB: Module {
    /// Modulated, not demodulated.
    public let conv: ModulatedConv2d
    /// `[1, channels, 1, 1]`
    public let bias: Parameter

    /// - Parameters:
    ///   - inputChannels: Feature maps in, `C`.
    ///   - outputChannels: Image channels.
    ///   - styleDimension: The size of `w`.
    public init(inputChannels: Int, outputChannels: Int, styleDimension: Int, using rng: inout RandomGenerator) {
        conv = ModulatedConv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1,
                               styleDimension: styleDimension, demodulate: false, using: &rng)
        bias = Parameter(Tensor.zeros([1, outputChannels, 1, 1]))
    }

    private init(copying other: StyleGAN2ToRGB) {
        conv = other.conv.structuralCopy() as! ModulatedConv2d
        bias = Parameter(other.bias.value)
    }

    /// `[N, C, s, s]` with style `w [N, nz]` → `[N, channels, s, s]`, plus `skip`
    /// `[N, channels, s/2, s/2]` up-sampled when given.
    public func callAsFunction(_ x: Tensor, style w: Tensor, skip: Tensor? = nil) -> Tensor {
        let rgb = conv(x, style: w) + bias.value
        guard let skip else { return rgb }
        let up = skip.upsampledBilinear(scale: 2)
        precondition(up.shape == rgb.shape, "StyleGAN2ToRGB: skip must be half of \(rgb.shape), got \(skip.shape)")
        return rgb + up
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv", conv)
        visitor.parameter("bias", bias)
    }

    override public func structuralCopy() -> Module { StyleGAN2ToRGB(copying: self) }
}
