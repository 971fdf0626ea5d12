import GANLayers
import GANTensor

/// One level of StyleGAN2's residual discriminator (rosinality's `ResBlock`): two 3×3
/// convolutions, the second at half the side, beside a 1×1 skip, summed and divided by √2 so
/// the sum keeps unit variance. Every activation is `fused_leaky_relu` (bias, LReLU 0.2, × √2)
/// after an equalised convolution of gain 1.
///
/// ```text
/// h = act(conv1(x))                         [N, C_in, s, s]
/// h = act(conv2(pool(h)))                   [N, C_out, s/2, s/2]
/// y = (h + skip(pool(x))) / √2              skip: 1×1, no bias, no activation
/// ```
/// The official down-sampling is a [1, 3, 3, 1] blur then a stride-2 convolution; here a 2×2
/// average pool (the same low-pass role) then a stride-1 convolution at the smaller side, a
/// quarter of the full-size convolution's work. State-dict names: `conv1.weight`
/// `[C_in, C_in, 3, 3]`, `conv1.bias`, `conv2.weight` `[C_out, C_in, 3, 3]`, `conv2.bias`,
/// `skip.weight` `[C_out, C_in, 1, 1]`.
public final class StyleGAN2ResidualBlock: Module {
    public let conv1: EqualizedConv2d
    public let conv2: EqualizedConv2d
    public let skip: EqualizedConv2d

    /// - Parameters:
    ///   - inputChannels: `C_in`.
    ///   - outputChannels: `C_out`.
    public init(inputChannels: Int, outputChannels: Int, using rng: inout RandomGenerator) {
        conv1 = EqualizedConv2d(inputChannels: inputChannels, outputChannels: inputChannels, kernelSize: 3, padding: 1,
                                using: &rng)
        conv2 = EqualizedConv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, padding: 1,
                                using: &rng)
        skip = EqualizedConv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1, bias: false,
                               using: &rng)
    }

    private init(copying other: StyleGAN2ResidualBlock) {
        conv1 = other.conv1.structuralCopy() as! EqualizedConv2d
        conv2 = other.conv2.structuralCopy() as! EqualizedConv2d
        skip = other.skip.structuralCopy() as! EqualizedConv2d
    }

    /// `[N, C_in, s, s]` → `[N, C_out, s/2, s/2]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = Self.activation(conv2(Self.activation(conv1(x)).downsampled2x()))
        return (h + skip(x.downsampled2x())) * (1 / Float(2).squareRoot())
    }

    /// rosinality's `fused_leaky_relu` after a biased convolution: LReLU 0.2 × √2.
    static func activation(_ x: Tensor) -> Tensor { x.leakyRelu(negativeSlope: 0.2) * Float(2).squareRoot() }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv1", conv1)
        visitor.module("conv2", conv2)
        visitor.module("skip", skip)
    }

    override public func structuralCopy() -> Module { StyleGAN2ResidualBlock(copying: self) }
}
