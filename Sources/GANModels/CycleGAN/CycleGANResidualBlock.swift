import GANLayers
import GANTensor

/// The reference's `ResnetBlock` with reflection padding and no dropout: `x + block(x)`, where
///
/// ```text
/// conv_block.0  ReflectionPad2d(1)
/// conv_block.1  Conv2d(d, d, 3)      // [d, d, 3, 3] + bias [d]
/// conv_block.2  InstanceNorm2d(d)    // no affine, no running statistics
/// conv_block.3  ReLU
/// conv_block.4  ReflectionPad2d(1)
/// conv_block.5  Conv2d(d, d, 3)
/// conv_block.6  InstanceNorm2d(d)
/// ```
///
/// Shapes: `[N, d, H, W]` → `[N, d, H, W]` (H, W ≥ 2 for the reflection).
public final class CycleGANResidualBlock: Module, UnaryLayer {
    /// Channels `d`, kept by the block.
    public let channels: Int
    /// The residual branch, named as in PyTorch (`conv_block.1.weight`, …).
    public let convBlock: Sequential

    /// A block of `channels` channels; convolutions drawn with PyTorch's default initialiser
    /// (the generator re-draws them).
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

    /// `[N, d, H, W]` → `x + block(x)`, the same shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == channels,
                     "CycleGANResidualBlock: expected [N, \(channels), H, W], got \(x.shape)")
        return x + convBlock(x)
    }
}
