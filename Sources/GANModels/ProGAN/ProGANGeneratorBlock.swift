import GANLayers
import GANTensor

/// One level of ProGAN's generator. Level 0 turns the latent into `[N, C₀, b, b]`; level k
/// doubles the side of level k − 1's features.
///
/// ```text
/// level 0: PixelNorm(z), dense (EqualizedLinear nz → C₀·b², gain √2/4), LReLU 0.2, PixelNorm,
///          conv (EqualizedConv 3×3), LReLU, PixelNorm                    [N, nz] → [N, C₀, b, b]
/// level k: nearest ×2, conv0 (EqualizedConv 3×3), LReLU, PixelNorm,
///          conv1 (EqualizedConv 3×3), LReLU, PixelNorm          [N, C_{k−1}, s, s] → [N, C_k, 2s, 2s]
/// ```
/// State-dict names: `dense`, `conv` (level 0); `conv0`, `conv1` (the official `Conv0_up`, `Conv1`).
public final class ProGANGeneratorBlock: Module {
    /// The level, 0 for the bottom.
    public let level: Int
    /// Level 0: the latent to `C₀·b²` features, `weight` `[C₀·b², nz]`.
    public let dense: EqualizedLinear?
    /// Levels ≥ 1: the first 3×3 convolution after the up-sampling, `weight` `[C_k, C_{k−1}, 3, 3]`.
    public let conv0: EqualizedConv2d?
    /// The last 3×3 convolution of the level, `weight` `[C_k, C_k, 3, 3]`.
    public let conv1: EqualizedConv2d
    /// Level 0's output side `b` (unused above).
    public let bottomSide: Int
    private let norm = PixelNorm()

    /// - Parameters:
    ///   - level: 0 for the bottom block.
    ///   - inputFeatures: `nz` at level 0, `C_{k−1}` above.
    ///   - channels: `C_k`.
    ///   - bottomSide: `b` (level 0 only).
    public init(level: Int, inputFeatures: Int, channels: Int, bottomSide: Int, using rng: inout RandomGenerator) {
        self.level = level
        self.bottomSide = bottomSide
        let he = Float(2).squareRoot()
        if level == 0 {
            dense = EqualizedLinear(inputFeatures: inputFeatures, outputFeatures: channels * bottomSide * bottomSide,
                                    gain: he / 4, using: &rng)
            conv0 = nil
        } else {
            dense = nil
            conv0 = EqualizedConv2d(inputChannels: inputFeatures, outputChannels: channels, kernelSize: 3, padding: 1,
                                    gain: he, using: &rng)
        }
        conv1 = EqualizedConv2d(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1,
                                gain: he, using: &rng)
    }

    private init(copying other: ProGANGeneratorBlock) {
        level = other.level
        bottomSide = other.bottomSide
        dense = other.dense.map { $0.structuralCopy() as! EqualizedLinear }
        conv0 = other.conv0.map { $0.structuralCopy() as! EqualizedConv2d }
        conv1 = other.conv1.structuralCopy() as! EqualizedConv2d
    }

    /// Level 0: `[N, nz]` → `[N, C₀, b, b]`; level k: `[N, C_{k−1}, s, s]` → `[N, C_k, 2s, 2s]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var h: Tensor
        if let dense {
            precondition(input.rank == 2 && input.shape[1] == dense.inputFeatures,
                         "ProGANGeneratorBlock 0: z must be [N, \(dense.inputFeatures)], got \(input.shape)")
            h = dense(norm(input)).reshaped([input.shape[0], conv1.inputChannels, bottomSide, bottomSide])
        } else {
            h = conv0!(input.upsampledNearest(scale: 2))
        }
        h = norm(h.leakyRelu(negativeSlope: 0.2))
        return norm(conv1(h).leakyRelu(negativeSlope: 0.2))
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("dense", dense)
        visitor.module("conv0", conv0)
        visitor.module(level == 0 ? "conv" : "conv1", conv1)
    }

    override public func structuralCopy() -> Module { ProGANGeneratorBlock(copying: self) }
}
