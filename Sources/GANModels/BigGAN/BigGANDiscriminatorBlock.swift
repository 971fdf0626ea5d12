import GANLayers
import GANTensor

/// BigGAN's down-sampling residual block (`layers.DBlock` of BigGAN-PyTorch, `wide`: the hidden
/// width is the output width):
///
/// ```text
/// conv1    SN Conv2d(in, out, 3, padding 1)   // [out, in, 3, 3] + bias
/// conv2    SN Conv2d(out, out, 3, padding 1)  // [out, out, 3, 3] + bias
/// conv_sc  SN Conv2d(in, out, 1)              // only when in ≠ out or down-sampling
/// h  = down(conv2(relu(conv1(relu(x)))))      the first block of D skips the first relu
/// sc = down(conv_sc(x))                       preactivation blocks (every block but the first)
/// sc = conv_sc(down(x))                       the first block (fewer channels to pool)
/// y  = h + sc                                 (down: 2×2 average pooling, or nothing)
/// ```
///
/// Shapes: `[N, in, s, s]` → `[N, out, s/2, s/2]` when down-sampling, else `[N, out, s, s]`.
public final class BigGANDiscriminatorBlock: Module, UnaryLayer {
    /// Input channels.
    public let inputChannels: Int
    /// Output channels.
    public let outputChannels: Int
    /// Whether the input goes through a ReLU first (every block but D's first).
    public let preactivation: Bool
    /// Whether the block halves the side.
    public let downsample: Bool
    /// `in → out`, 3×3.
    public let conv1: SpectralNorm<Conv2d>
    /// `out → out`, 3×3.
    public let conv2: SpectralNorm<Conv2d>
    /// `in → out`, 1×1; `nil` when the shortcut is the identity.
    public let shortcut: SpectralNorm<Conv2d>?

    /// A block `in → out` channels; weights drawn with PyTorch's defaults (the discriminator
    /// redraws them orthogonally).
    public init(inputChannels: Int, outputChannels: Int, preactivation: Bool, downsample: Bool,
                using rng: inout RandomGenerator) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.preactivation = preactivation
        self.downsample = downsample
        func conv(_ input: Int, _ output: Int, kernelSize: Int) -> SpectralNorm<Conv2d> {
            SpectralNorm(Conv2d(inputChannels: input, outputChannels: output, kernelSize: kernelSize,
                                padding: kernelSize / 2, using: &rng), using: &rng)
        }
        conv1 = conv(inputChannels, outputChannels, kernelSize: 3)
        conv2 = conv(outputChannels, outputChannels, kernelSize: 3)
        shortcut = inputChannels != outputChannels || downsample ? conv(inputChannels, outputChannels, kernelSize: 1) : nil
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv1", conv1)
        visitor.module("conv2", conv2)
        visitor.module("conv_sc", shortcut)
    }

    override public func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return BigGANDiscriminatorBlock(inputChannels: inputChannels, outputChannels: outputChannels,
                                        preactivation: preactivation, downsample: downsample, using: &rng)
    }

    /// `[N, in, s, s]` → `[N, out, s/2, s/2]` (down-sampling) or `[N, out, s, s]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inputChannels,
                     "BigGANDiscriminatorBlock: input must be [N, \(inputChannels), s, s], got \(x.shape)")
        func down(_ t: Tensor) -> Tensor { downsample ? t.avgPool2d(kernelSize: (2, 2)) : t }
        let h = down(conv2(conv1(preactivation ? x.relu() : x).relu()))
        guard let shortcut else { return h + x }
        return h + (preactivation ? down(shortcut(x)) : shortcut(down(x)))
    }
}
