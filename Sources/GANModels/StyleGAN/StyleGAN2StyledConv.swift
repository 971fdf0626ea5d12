import GANLayers
import GANTensor

/// One convolution of StyleGAN2's synthesis network (rosinality's `StyledConv`): an optional
/// bilinear ×2 up-sampling, a modulated and demodulated 3×3 convolution, noise with one learned
/// strength for the layer, then the bias and `fused_leaky_relu` (LReLU 0.2 × √2):
///
/// ```text
/// h = ModulatedConv2d(up(x), w)                 weight demodulated per sample
/// h = h + strength · noise                      noise [N, 1, s, s] ~ N(0, 1), strength starts at 0
/// y = √2 · LReLU_0.2(h + bias[c])
/// ```
/// The official code (and rosinality) up-samples inside the convolution: a transposed 3×3
/// convolution of stride 2 followed by a [1, 3, 3, 1] blur. Bilinear ×2 is that blur's filter
/// ([1, 3, 3, 1]/4 per axis) applied before an ordinary convolution, in one op we already have.
///
/// Shapes: `[N, in, s', s']`, `w [N, nz]`, noise `[N, 1, s, s]` → `[N, out, s, s]`. State-dict
/// names (rosinality's): `conv.weight` `[1, out, in, 3, 3]`, `conv.modulation.weight` `[in, nz]`,
/// `conv.modulation.bias` `[in]` (starts at 1), `noise.weight` `[1]`, `activate.bias` `[out]`.
public final class StyleGAN2StyledConv: Module {
    /// Whether the input is up-sampled (bilinear ×2) before the convolution.
    public let upsample: Bool
    /// The modulated, demodulated 3×3 convolution.
    public let conv: ModulatedConv2d
    /// `[1]`, the noise input's strength (rosinality's `NoiseInjection.weight`).
    public let noiseStrength: Parameter
    /// `[out]`, added before the activation (rosinality's `FusedLeakyReLU.bias`).
    public let bias: Parameter

    /// - Parameters:
    ///   - inputChannels: Channels in.
    ///   - outputChannels: Channels out.
    ///   - styleDimension: The size of `w`.
    ///   - upsample: Bilinear ×2 before the convolution.
    public init(inputChannels: Int, outputChannels: Int, styleDimension: Int, upsample: Bool,
                using rng: inout RandomGenerator) {
        self.upsample = upsample
        conv = ModulatedConv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3,
                               styleDimension: styleDimension, demodulate: true, using: &rng)
        noiseStrength = Parameter(Tensor.zeros([1]))
        bias = Parameter(Tensor.zeros([outputChannels]))
    }

    private init(copying other: StyleGAN2StyledConv) {
        upsample = other.upsample
        conv = other.conv.structuralCopy() as! ModulatedConv2d
        noiseStrength = Parameter(other.noiseStrength.value)
        bias = Parameter(other.bias.value)
    }

    /// `[N, in, s', s']` → `[N, out, s, s]` with style `w [N, nz]` and `noise [N, 1, s, s]`.
    public func callAsFunction(_ x: Tensor, style w: Tensor, noise: Tensor) -> Tensor {
        var h = conv(upsample ? x.upsampledBilinear(scale: 2) : x, style: w)
        let c = bias.shape[0]
        precondition(noise.shape == [h.shape[0], 1, h.shape[2], h.shape[3]],
                     "StyleGAN2StyledConv: noise must be [\(h.shape[0]), 1, \(h.shape[2]), \(h.shape[3])], got \(noise.shape)")
        h = h + noiseStrength.value.reshaped([1, 1, 1, 1]) * noise
        return (h + bias.value.reshaped([1, c, 1, 1])).leakyRelu(negativeSlope: 0.2) * Float(2).squareRoot()
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv", conv)
        visitor.parameter("noise.weight", noiseStrength)
        visitor.parameter("activate.bias", bias)
    }

    override public func structuralCopy() -> Module { StyleGAN2StyledConv(copying: self) }
}
