/// One `[N, C, H, W]` tensor whose channel slices are written in turn by inference-only
/// operations, so that concatenating branches along channels (Inception's blocks) copies
/// nothing: a convolution writes its output planes straight into its slice.
///
/// No graph is recorded through it; with a graph to record, use `Tensor.concatenate`.
///
/// ```swift
/// let y = ChannelConcatenation(batch: 16, channels: 288, height: 35, width: 35)
/// y.conv2d(x, weight: w, bias: b, activation: .relu)  // channels 0..<64
/// y.append(pooled)                                     // the next pooled.shape[1] channels
/// let tensor = y.tensor()                              // [16, 288, 35, 35], every channel written
/// ```
public final class ChannelConcatenation {
    /// `[N, C, H, W]`.
    public let shape: [Int]
    /// Channels written so far; the next slice starts here.
    public private(set) var filled = 0
    private let storage: TensorStorage

    /// Shapes: the result is `[batch, channels, height, width]`, uninitialised until written.
    public init(batch: Int, channels: Int, height: Int, width: Int) {
        precondition(batch >= 0 && channels >= 0 && height >= 1 && width >= 1,
                     "ChannelConcatenation: invalid shape [\(batch), \(channels), \(height), \(width)]")
        shape = [batch, channels, height, width]
        storage = TensorStorage(uninitializedCount: batch * channels * height * width)
    }

    private var plane: Int { shape[2] * shape[3] }

    /// Where the next `channels` channels of image 0 go, after checking they fit.
    private func reserve(_ channels: Int, height: Int, width: Int, _ op: String) -> UnsafeMutablePointer<Float> {
        precondition(height == shape[2] && width == shape[3],
                     "ChannelConcatenation.\(op): output \(height)×\(width) does not match \(shape)")
        precondition(filled + channels <= shape[1],
                     "ChannelConcatenation.\(op): \(channels) more channels pass the \(shape[1]) of \(shape) (\(filled) written)")
        defer { filled += channels }
        return storage.base + filled * plane
    }

    /// Writes `activation(x.conv2d(weight:bias:…))` into the next `O` channels, the same values
    /// as `Tensor.conv2d` with the same `algorithm` (the bias and activation applied as each
    /// block is computed).
    ///
    /// Shapes: `x` `[N, C, H', W']`, `weight` `[O, C / groups, KH, KW]`, `bias` `[O]`; the
    /// convolution's output must be `H × W`.
    public func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), groups: Int = 1, activation: Tensor.ConvolutionActivation,
        algorithm: Tensor.ConvolutionAlgorithm = .im2col
    ) {
        precondition(!Tensor.recordsGraph(for: [x, weight, bias]),
                     "ChannelConcatenation.conv2d: inference only (a graph would be recorded); use Tensor.concatenate")
        precondition(x.shape.first == shape[0], "ChannelConcatenation.conv2d: input \(x.shape) is not a batch of \(shape[0])")
        let g = Tensor.convolutionGeometry("ChannelConcatenation.conv2d", input: x.shape, weight: weight.shape,
                                           stride: stride, padding: padding, dilation: dilation, groups: groups)
        precondition(bias.shape == [g.outputChannels],
                     "ChannelConcatenation.conv2d: bias must be [\(g.outputChannels)], got \(bias.shape)")
        let target = reserve(g.outputChannels, height: g.outputHeight, width: g.outputWidth, "conv2d")
        let epilogue = ConvolutionKernels.Epilogue(bias: bias.storage, relu: activation == .relu,
                                                   winograd: algorithm == .winograd)
        ConvolutionKernels.forward(input: x.storage, weight: weight.storage, batch: shape[0], geometry: g,
                                   into: target, imageStride: shape[1] * plane, epilogue: epilogue)
    }

    /// Copies `x` into the next `x.shape[1]` channels.
    ///
    /// Shapes: `x` `[N, C', H, W]`.
    public func append(_ x: Tensor) {
        precondition(x.rank == 4 && x.shape[0] == shape[0],
                     "ChannelConcatenation.append: expected [\(shape[0]), C, \(shape[2]), \(shape[3])], got \(x.shape)")
        let channels = x.shape[1], count = channels * plane
        let target = reserve(channels, height: x.shape[2], width: x.shape[3], "append")
        IndexingKernels.copyBlocks(x.storage.base, block: count, outer: shape[0], to: target, stride: shape[1] * plane)
    }

    /// The concatenation; every channel must have been written.
    public func tensor() -> Tensor {
        precondition(filled == shape[1], "ChannelConcatenation.tensor: \(filled) of \(shape[1]) channels written")
        return Tensor(shape: shape, storage: storage)
    }
}
