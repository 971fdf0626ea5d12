import GANLayers
import GANTensor

/// One level of ProGAN's discriminator. Level k halves the side and goes from `C_k` to
/// `C_{k−1}` maps; level 0 turns `[N, C₀, b, b]` into one score per image.
///
/// ```text
/// level k: conv0 (EqualizedConv 3×3, C_k → C_k), LReLU 0.2, conv1 (3×3, C_k → C_{k−1}), LReLU,
///          2×2 average pool                                 [N, C_k, s, s] → [N, C_{k−1}, s/2, s/2]
/// level 0: MinibatchStdDev, conv (3×3, C₀ + 1 → C₀), LReLU, dense0 (C₀·b² → C₀), LReLU,
///          dense1 (C₀ → 1, gain 1)                                       [N, C₀, b, b] → [N, 1]
/// ```
/// State-dict names: `conv0`, `conv1` (the official `Conv0`, `Conv1`); `conv`, `dense0`, `dense1`.
public final class ProGANDiscriminatorBlock: Module {
    /// The level, 0 for the last block.
    public let level: Int
    /// Levels ≥ 1: `weight` `[C_k, C_k, 3, 3]`.
    public let conv0: EqualizedConv2d?
    /// Levels ≥ 1: `[C_{k−1}, C_k, 3, 3]`; level 0 (`conv`): `[C₀, C₀ + 1, 3, 3]`.
    public let conv1: EqualizedConv2d
    /// Level 0: `weight` `[C₀, C₀·b²]`.
    public let dense0: EqualizedLinear?
    /// Level 0: the score, `weight` `[1, C₀]`.
    public let dense1: EqualizedLinear?
    /// Level 0: the minibatch standard deviation (one statistic channel).
    public let stddev: MinibatchStdDev?

    /// - Parameters:
    ///   - level: 0 for the last block.
    ///   - channels: `C_k`.
    ///   - outputChannels: `C_{k−1}` (levels ≥ 1).
    ///   - bottomSide: `b` (level 0).
    ///   - groupSize: The minibatch standard deviation's group size (level 0).
    public init(level: Int, channels: Int, outputChannels: Int, bottomSide: Int, groupSize: Int,
                using rng: inout RandomGenerator) {
        self.level = level
        let he = Float(2).squareRoot()
        if level == 0 {
            conv0 = nil
            conv1 = EqualizedConv2d(inputChannels: channels + 1, outputChannels: channels, kernelSize: 3, padding: 1,
                                    gain: he, using: &rng)
            dense0 = EqualizedLinear(inputFeatures: channels * bottomSide * bottomSide, outputFeatures: channels,
                                     gain: he, using: &rng)
            dense1 = EqualizedLinear(inputFeatures: channels, outputFeatures: 1, gain: 1, using: &rng)
            stddev = MinibatchStdDev(groupSize: groupSize)
        } else {
            conv0 = EqualizedConv2d(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1,
                                    gain: he, using: &rng)
            conv1 = EqualizedConv2d(inputChannels: channels, outputChannels: outputChannels, kernelSize: 3, padding: 1,
                                    gain: he, using: &rng)
            dense0 = nil
            dense1 = nil
            stddev = nil
        }
    }

    private init(copying other: ProGANDiscriminatorBlock) {
        level = other.level
        conv0 = other.conv0.map { $0.structuralCopy() as! EqualizedConv2d }
        conv1 = other.conv1.structuralCopy() as! EqualizedConv2d
        dense0 = other.dense0.map { $0.structuralCopy() as! EqualizedLinear }
        dense1 = other.dense1.map { $0.structuralCopy() as! EqualizedLinear }
        stddev = other.stddev.map { $0.structuralCopy() as! MinibatchStdDev }
    }

    /// Level k: `[N, C_k, s, s]` → `[N, C_{k−1}, s/2, s/2]`; level 0: `[N, C₀, b, b]` → `[N, 1]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard let stddev, let dense0, let dense1 else {
            let h = conv0!(input).leakyRelu(negativeSlope: 0.2)
            return conv1(h).leakyRelu(negativeSlope: 0.2).downsampled2x()
        }
        let n = input.shape[0]
        // The largest group size up to the configured one that divides the batch.
        let group = stride(from: Swift.min(stddev.groupSize, n), through: 1, by: -1).first { n % $0 == 0 }!
        let statistics = group == stddev.groupSize ? stddev : MinibatchStdDev(groupSize: group)
        let h = conv1(statistics(input)).leakyRelu(negativeSlope: 0.2)
        return dense1(dense0(h.reshaped([n, -1])).leakyRelu(negativeSlope: 0.2))
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv0", conv0)
        visitor.module(level == 0 ? "conv" : "conv1", conv1)
        visitor.module("dense0", dense0)
        visitor.module("dense1", dense1)
    }

    override public func structuralCopy() -> Module { ProGANDiscriminatorBlock(copying: self) }
}
