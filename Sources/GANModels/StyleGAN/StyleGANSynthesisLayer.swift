import GANLayers
import GANTensor

/// One synthesis layer of StyleGAN's generator: an optional convolution (after a bilinear ×2
/// up-sampling when `upsample`), then the epilogue of the official `G_synthesis`:
///
/// ```text
/// h = conv(x)  (or x, for the layer on the learned constant)
/// h = h + noise_strength[c] · noise      noise [N, 1, s, s] ~ N(0, 1), strength starts at 0
/// h = LReLU_0.2(h + bias[c])
/// y = AdaIN(h, w)                        γ = 1 + …, β = 0 + … at the start
/// ```
///
/// Shapes: `[N, in, s', s']`, `w [N, nz]`, noise `[N, 1, s, s]` → `[N, out, s, s]`. State-dict
/// names: `conv.weight` `[out, in, 3, 3]` (no bias: the epilogue adds it), `noise_strength`
/// `[out]`, `bias` `[out]`, `adain.style.weight` `[2·out, nz]`, `adain.style.bias` `[2·out]`.
public final class StyleGANSynthesisLayer: Module {
    /// Whether the input is up-sampled (bilinear ×2) before the convolution.
    public let upsample: Bool
    /// `nil` on the learned constant.
    public let conv: EqualizedConv2d?
    /// `[out]`, the per-channel scale of the noise input.
    public let noiseStrength: Parameter
    /// `[out]`
    public let bias: Parameter
    /// The style injection.
    public let adain: AdaptiveInstanceNorm2d

    /// - Parameters:
    ///   - inputChannels: Channels in (`nil`: no convolution, the layer on the constant).
    ///   - outputChannels: Channels out.
    ///   - styleDimension: The size of `w`.
    ///   - upsample: Bilinear ×2 before the convolution.
    public init(inputChannels: Int?, outputChannels: Int, styleDimension: Int, upsample: Bool,
                using rng: inout RandomGenerator) {
        self.upsample = upsample
        conv = inputChannels.map {
            EqualizedConv2d(inputChannels: $0, outputChannels: outputChannels, kernelSize: 3, padding: 1, bias: false,
                            gain: Float(2).squareRoot(), using: &rng)
        }
        noiseStrength = Parameter(Tensor.zeros([outputChannels]))
        bias = Parameter(Tensor.zeros([outputChannels]))
        adain = AdaptiveInstanceNorm2d(channels: outputChannels, styleDimension: styleDimension, epsilon: 1e-8, using: &rng)
    }

    private init(copying other: StyleGANSynthesisLayer) {
        upsample = other.upsample
        conv = other.conv.map { $0.structuralCopy() as! EqualizedConv2d }
        noiseStrength = Parameter(other.noiseStrength.value)
        bias = Parameter(other.bias.value)
        adain = other.adain.structuralCopy() as! AdaptiveInstanceNorm2d
    }

    /// `[N, in, s', s']` → `[N, out, s, s]` with style `w [N, nz]` and `noise [N, 1, s, s]`.
    public func callAsFunction(_ x: Tensor, style w: Tensor, noise: Tensor) -> Tensor {
        var h = x
        if upsample { h = h.upsampledBilinear(scale: 2) }
        if let conv { h = conv(h) }
        let c = noiseStrength.shape[0]
        precondition(h.shape[1] == c && noise.shape == [h.shape[0], 1, h.shape[2], h.shape[3]],
                     "StyleGANSynthesisLayer: noise must be [\(h.shape[0]), 1, \(h.shape[2]), \(h.shape[3])], got \(noise.shape)")
        h = h + noiseStrength.value.reshaped([1, c, 1, 1]) * noise
        h = (h + bias.value.reshaped([1, c, 1, 1])).leakyRelu(negativeSlope: 0.2)
        return adain(h, style: w)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv", conv)
        visitor.parameter("noise_strength", noiseStrength)
        visitor.parameter("bias", bias)
        visitor.module("adain", adain)
    }

    override public func structuralCopy() -> Module { StyleGANSynthesisLayer(copying: self) }
}
