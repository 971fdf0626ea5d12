import GANLayers
import GANTensor

/// BigGAN's up-sampling residual block (`layers.GBlock` of BigGAN-PyTorch with its `ccbn`),
/// conditioned on a vector `c` (the shared class embedding and one latent chunk):
///
/// ```text
/// bn1      ConditionalBatchNorm2d(in, .vector(d), SN gain/bias maps)   // bn1.gain.weight_orig [in, d]
/// conv1    SN Conv2d(in, out, 3, padding 1)                            // [out, in, 3, 3] + bias
/// bn2      ConditionalBatchNorm2d(out, .vector(d), SN gain/bias maps)
/// conv2    SN Conv2d(out, out, 3, padding 1)                           // [out, out, 3, 3] + bias
/// conv_sc  SN Conv2d(in, out, 1)                                       // [out, in, 1, 1] + bias
/// h  = conv2(relu(bn2(conv1(up(relu(bn1(x, c)))), c)))
/// y  = h + conv_sc(up(x))        (up: nearest-neighbour ×2)
/// ```
///
/// Every block up-samples, so the shortcut always has its convolution (BigGAN-PyTorch's
/// `learnable_sc`). Batch-norm ε 1e-5, momentum 0.1 (BigGAN-PyTorch's `BN_eps`).
/// Shapes: `[N, in, s, s]`, `c` `[N, d]` → `[N, out, 2s, 2s]`.
public final class BigGANGeneratorBlock: Module {
    /// Input channels.
    public let inputChannels: Int
    /// Output channels.
    public let outputChannels: Int
    /// Length `d` of the conditioning vector.
    public let conditioningDimension: Int
    /// Conditional batch norm of the input.
    public let bn1: ConditionalBatchNorm2d
    /// `in → out`, 3×3, after the up-sampling.
    public let conv1: SpectralNorm<Conv2d>
    /// Conditional batch norm after `conv1`.
    public let bn2: ConditionalBatchNorm2d
    /// `out → out`, 3×3.
    public let conv2: SpectralNorm<Conv2d>
    /// `in → out`, 1×1, on the up-sampled input.
    public let shortcut: SpectralNorm<Conv2d>

    /// A block `in → out` channels conditioned on vectors of length `conditioningDimension`;
    /// weights drawn with PyTorch's defaults (the generator redraws them orthogonally).
    public init(inputChannels: Int, outputChannels: Int, conditioningDimension: Int, using rng: inout RandomGenerator) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.conditioningDimension = conditioningDimension
        func conv(_ input: Int, _ output: Int, kernelSize: Int) -> SpectralNorm<Conv2d> {
            SpectralNorm(Conv2d(inputChannels: input, outputChannels: output, kernelSize: kernelSize,
                                padding: kernelSize / 2, using: &rng), using: &rng)
        }
        func norm(_ features: Int) -> ConditionalBatchNorm2d {
            ConditionalBatchNorm2d(features: features, condition: .vector(conditioningDimension), epsilon: 1e-5,
                                   momentum: 0.1, spectralNormalization: true, using: &rng)
        }
        bn1 = norm(inputChannels)
        conv1 = conv(inputChannels, outputChannels, kernelSize: 3)
        bn2 = norm(outputChannels)
        conv2 = conv(outputChannels, outputChannels, kernelSize: 3)
        shortcut = conv(inputChannels, outputChannels, kernelSize: 1)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("conv1", conv1)
        visitor.module("conv2", conv2)
        visitor.module("conv_sc", shortcut)
        visitor.module("bn1", bn1)
        visitor.module("bn2", bn2)
    }

    override public func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return BigGANGeneratorBlock(inputChannels: inputChannels, outputChannels: outputChannels,
                                    conditioningDimension: conditioningDimension, using: &rng)
    }

    /// `[N, in, s, s]` and conditioning `[N, d]` → `[N, out, 2s, 2s]`.
    public func callAsFunction(_ x: Tensor, conditioning: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inputChannels,
                     "BigGANGeneratorBlock: input must be [N, \(inputChannels), s, s], got \(x.shape)")
        var h = bn1(x, conditioning: conditioning).relu().upsampledNearest(scale: 2)
        h = bn2(conv1(h), conditioning: conditioning).relu()
        return conv2(h) + shortcut(x.upsampledNearest(scale: 2))
    }
}
