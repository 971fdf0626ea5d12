import GANTensor

// StyleGAN's style injection: adaptive instance normalisation (StyleGAN) and the modulated,
// demodulated convolution that replaced it (StyleGAN2). Formulas and names follow
// rosinality's style-based-gan-pytorch / stylegan2-pytorch.

/// Adaptive instance normalisation (StyleGAN): each sample's channels are instance-normalised,
/// then scaled and shifted by a gain and bias computed from its style vector by an equalised
/// linear map whose bias starts at 1 for the gains and 0 for the biases:
/// `[γ, β] = style(w)`, `y = γ · IN(x) + β`.
///
/// Shapes: `[N, C, H, W]` and style `[N, S]` → `[N, C, H, W]`. Children: `style`
/// (`EqualizedLinear(S, 2C)`: `style.weight` `[2C, S]`, `style.bias` `[2C]`).
public final class AdaptiveInstanceNorm2d: Module {
    /// Channels `C` of the feature map.
    public let channels: Int
    /// Length `S` of the style vector.
    public let styleDimension: Int
    /// Added for numerical stability (to a variance or a norm).
    public let epsilon: Float
    /// `S → 2C`: the gains, then the biases.
    public let style: EqualizedLinear

    /// - Parameters:
    ///   - channels: Channels `C` of the feature map.
    ///   - styleDimension: Length `S` of the style vector.
    ///   - epsilon: Instance-norm epsilon.
    ///   - generator: Draws the style map's weights.
    public init(channels: Int, styleDimension: Int, epsilon: Float = 1e-5, using generator: inout RandomGenerator) {
        self.channels = channels
        self.styleDimension = styleDimension
        self.epsilon = epsilon
        style = EqualizedLinear(inputFeatures: styleDimension, outputFeatures: 2 * channels, using: &generator)
        style.bias!.value = Tensor.concatenate([Tensor.ones([channels]), Tensor.zeros([channels])], axis: 0)
    }

    /// `[N, C, H, W]` with style `[N, S]` → `[N, C, H, W]`.
    public func callAsFunction(_ input: Tensor, style w: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == channels,
                     "AdaptiveInstanceNorm2d: input must be [N, \(channels), H, W], got \(input.shape)")
        precondition(w.shape == [input.shape[0], styleDimension],
                     "AdaptiveInstanceNorm2d: style must be [\(input.shape[0]), \(styleDimension)], got \(w.shape)")
        let parts = style(w).reshaped([input.shape[0], 2 * channels, 1, 1]).split(sizes: [channels, channels], axis: 1)
        let mean = input.mean(axes: [2, 3], keepDims: true)
        let variance = input.variance(axes: [2, 3], correction: 0, keepDims: true)
        return parts[0] * ((input - mean) * (variance + epsilon).rsqrt()) + parts[1]
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("style", style)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        return AdaptiveInstanceNorm2d(channels: channels, styleDimension: styleDimension, epsilon: epsilon, using: &g)
    }
}

/// StyleGAN2's modulated convolution: the weight is scaled per sample by a style-derived
/// per-input-channel factor and, with demodulation, renormalised so each output channel has
/// unit expected variance; the batch then runs as one grouped convolution.
///
/// `s = modulation(w)` (`EqualizedLinear(S, in)`, bias starting at 1),
/// `W'_n = c · W · s_n` (`c = 1 / √(in·k²)`), demodulated `W''_n = W'_n / √(Σ W'_n² + eps)`
/// over input channels and taps; `y_n = conv(x_n, W''_n)`, padding `k / 2`.
///
/// Shapes: `[N, in, H, W]` and style `[N, S]` → `[N, out, H, W]`. Children: `weight`
/// `[1, out, in, k, k]`, `modulation.weight` `[in, S]`, `modulation.bias` `[in]`. Up- and
/// down-sampling are left to separate layers.
public final class ModulatedConv2d: Module {
    /// Channels of the input.
    public let inputChannels: Int
    /// Channels of the output.
    public let outputChannels: Int
    /// Side of the square kernel.
    public let kernelSize: Int
    /// Length `S` of the style vector.
    public let styleDimension: Int
    /// Whether the weights are demodulated (StyleGAN2's replacement for instance norm).
    public let demodulate: Bool
    /// Added for numerical stability (to a variance or a norm).
    public let epsilon: Float
    /// `[1, out, in, k, k]`, stored `N(0, 1)`.
    public let weight: Parameter
    /// `S → in`, bias initialised to 1.
    public let modulation: EqualizedLinear

    /// - Parameters:
    ///   - inputChannels: Input channels.
    ///   - outputChannels: Output channels.
    ///   - kernelSize: Side of the square kernel (odd, padded to keep the size).
    ///   - styleDimension: Length `S` of the style vector.
    ///   - demodulate: Normalise each output channel's weights per sample.
    ///   - epsilon: Added under the demodulation square root.
    ///   - generator: Draws the initial weights.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, styleDimension: Int,
                demodulate: Bool = true, epsilon: Float = 1e-8, using generator: inout RandomGenerator) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.styleDimension = styleDimension
        self.demodulate = demodulate
        self.epsilon = epsilon
        weight = Parameter(Initializer.normal([1, outputChannels, inputChannels, kernelSize, kernelSize], using: &generator))
        modulation = EqualizedLinear(inputFeatures: styleDimension, outputFeatures: inputChannels,
                                     biasInitialValue: 1, using: &generator)
    }

    /// `[N, in, H, W]` with style `[N, S]` → `[N, out, H, W]`.
    public func callAsFunction(_ input: Tensor, style: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "ModulatedConv2d: input must be [N, \(inputChannels), H, W], got \(input.shape)")
        let n = input.shape[0]
        precondition(style.shape == [n, styleDimension],
                     "ModulatedConv2d: style must be [\(n), \(styleDimension)], got \(style.shape)")
        let k = kernelSize
        let scale = 1 / Float(inputChannels * k * k).squareRoot()
        let s = modulation(style).reshaped([n, 1, inputChannels, 1, 1])
        var w = scale * weight.value * s                                        // [N, out, in, k, k]
        if demodulate {
            let d = (w.square().sum(axes: [2, 3, 4], keepDims: true) + epsilon).rsqrt()
            w = w * d
        }
        let grouped = input.reshaped([1, n * inputChannels, input.shape[2], input.shape[3]])
        let y = grouped.conv2d(weight: w.reshaped([n * outputChannels, inputChannels, k, k]),
                               padding: (k / 2, k / 2), groups: n)
        return y.reshaped([n, outputChannels, y.shape[2], y.shape[3]])
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.module("modulation", modulation)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        return ModulatedConv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                               styleDimension: styleDimension, demodulate: demodulate, epsilon: epsilon, using: &g)
    }
}
