// 2-D convolution, transposed convolution and the convolution weight gradient: three
// primitives whose derivative rules call each other (as stylegan2's conv2d_gradfix), so
// gradients of gradients (WGAN-GP, R1) flow through convolutions.

extension Tensor {
    /// The 2-D convolution (cross-correlation) of this batch of images with `weight`, as
    /// PyTorch's `F.conv2d`.
    ///
    /// Shapes: `self` `[N, C, H, W]`, `weight` `[O, C / groups, KH, KW]`, `bias` `[O]`; the result
    /// is `[N, O, OH, OW]` with `OH = (H + 2 * padding.0 - dilation.0 * (KH - 1) - 1) / stride.0 + 1`
    /// (likewise `OW`).
    ///
    /// ```swift
    /// let x = Tensor.randomNormal([64, 1, 28, 28], using: &rng)
    /// let w = Tensor.randomNormal([64, 1, 4, 4], using: &rng)
    /// let y = x.conv2d(weight: w, stride: (2, 2), padding: (1, 1))  // [64, 64, 14, 14]
    /// ```
    ///
    /// - Parameters:
    ///   - weight: The filters, `[O, C / groups, KH, KW]`.
    ///   - bias: Added to every output position of each output channel, `[O]`.
    ///   - stride: Step between output positions (height, width), each ≥ 1.
    ///   - padding: Zeros added on both sides of each spatial axis (height, width), each ≥ 0.
    ///   - dilation: Spacing between kernel taps (height, width), each ≥ 1.
    ///   - groups: Input and output channels split into this many independent groups.
    ///   - activation: Applied after the bias (`conv2d(...).relu()`). Without a graph to record
    ///     (inference) and with a bias, the bias and activation are applied to each block of the
    ///     output as it is computed, in cache, with no intermediate tensor; same values.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), groups: Int = 1, activation: ConvolutionActivation? = nil,
        algorithm: ConvolutionAlgorithm = .im2col
    ) -> Tensor {
        let geometry = Tensor.convolutionGeometry("conv2d", input: shape, weight: weight.shape, stride: stride,
                                                  padding: padding, dilation: dilation, groups: groups)
        let o = geometry.outputChannels
        if let activation, let bias, !Tensor.recordsGraph(for: [self, weight, bias]) {
            precondition(bias.shape == [o], "conv2d: bias must be [\(o)], got \(bias.shape)")
            return Tensor.convolutionInference(self, weight, bias: bias, activation: activation, algorithm: algorithm, geometry)
        }
        let y = Tensor.addingChannelBias(Tensor.convolution(self, weight, geometry), bias, op: "conv2d")
        switch activation {
        case .relu: return y.relu()
        case nil: return y
        }
    }

    /// The geometry of `conv2d` of an input of shape `input` by a weight of shape `weight`,
    /// checked (`op` names the caller in the messages).
    static func convolutionGeometry(
        _ op: String, input shape: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int),
        dilation: (Int, Int), groups: Int
    ) -> ConvolutionGeometry {
        precondition(shape.count == 4, "\(op): input must be [N, C, H, W], got \(shape)")
        precondition(weight.count == 4, "\(op): weight must be [O, C/groups, KH, KW], got \(weight)")
        checkConvolutionParameters(op, stride: stride, padding: padding, dilation: dilation, groups: groups)
        let (o, kh, kw) = (weight[0], weight[2], weight[3])
        precondition(shape[1] % groups == 0 && o % groups == 0 && weight[1] * groups == shape[1],
                     "\(op): input \(shape) and weight \(weight) do not match with groups \(groups) (weight must be [O, C/groups, KH, KW], O divisible by groups)")
        let oh = ConvolutionGeometry.outputSize(input: shape[2], kernel: kh, stride: stride.0, padding: padding.0, dilation: dilation.0)
        let ow = ConvolutionGeometry.outputSize(input: shape[3], kernel: kw, stride: stride.1, padding: padding.1, dilation: dilation.1)
        precondition(kh >= 1 && kw >= 1 && oh >= 1 && ow >= 1,
                     "\(op): kernel \(weight) with padding \(padding), dilation \(dilation) does not fit input \(shape)")
        return ConvolutionGeometry(
            inputChannels: shape[1], inputHeight: shape[2], inputWidth: shape[3],
            outputChannels: o, outputHeight: oh, outputWidth: ow, kernelHeight: kh, kernelWidth: kw,
            strideHeight: stride.0, strideWidth: stride.1, paddingHeight: padding.0, paddingWidth: padding.1,
            dilationHeight: dilation.0, dilationWidth: dilation.1, groups: groups)
    }

    /// How `conv2d` computes its sums.
    public enum ConvolutionAlgorithm: Sendable {
        /// im2col and GEMM: every output the same sum in the same order on every path.
        case im2col
        /// Winograd F(4×4, 3×3) for a 3×3 stride-1 convolution without a graph to record, with a
        /// bias and an activation (inference): 4× fewer multiply-adds, values that differ from
        /// `im2col`'s by rounding (relative 1e-6 to 1e-5); other convolutions use `im2col`.
        case winograd
    }

    /// An activation `conv2d` can apply to its own output.
    public enum ConvolutionActivation: Sendable {
        /// `max(x, 0)`.
        case relu
    }

    /// The 2-D transposed convolution, as PyTorch's `F.conv_transpose2d`: the adjoint of
    /// `conv2d` with the same weight, stride, padding, dilation and groups (the gradient of a
    /// convolution with respect to its input), used to up-sample in generators.
    ///
    /// Shapes: `self` `[N, C_in, H, W]`, `weight` `[C_in, C_out / groups, KH, KW]`, `bias`
    /// `[C_out]`; the result is `[N, C_out, OH, OW]` with
    /// `OH = (H - 1) * stride.0 - 2 * padding.0 + dilation.0 * (KH - 1) + outputPadding.0 + 1`.
    ///
    /// ```swift
    /// let z = Tensor.randomNormal([64, 128, 7, 7], using: &rng)
    /// let w = Tensor.randomNormal([128, 64, 4, 4], using: &rng)
    /// let y = z.convTranspose2d(weight: w, stride: (2, 2), padding: (1, 1))  // [64, 64, 14, 14]
    /// ```
    ///
    /// - Parameters:
    ///   - weight: The filters, `[C_in, C_out / groups, KH, KW]` (PyTorch's `ConvTranspose2d` layout).
    ///   - bias: Added to each output channel, `[C_out]`.
    ///   - stride: Up-sampling step (height, width), each ≥ 1.
    ///   - padding: Removed from both sides of the full output (height, width), each ≥ 0.
    ///   - outputPadding: Extra rows / columns added on one side, each smaller than the stride
    ///     or the dilation.
    ///   - dilation: Spacing between kernel taps, each ≥ 1.
    ///   - groups: Channels split into this many independent groups.
    public func convTranspose2d(
        weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
        outputPadding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1
    ) -> Tensor {
        precondition(rank == 4, "convTranspose2d: input must be [N, C_in, H, W], got \(shape)")
        precondition(weight.rank == 4, "convTranspose2d: weight must be [C_in, C_out/groups, KH, KW], got \(weight.shape)")
        Tensor.checkConvolutionParameters("convTranspose2d", stride: stride, padding: padding, dilation: dilation, groups: groups)
        precondition(weight.shape[0] == shape[1] && shape[1] % groups == 0,
                     "convTranspose2d: input \(shape) and weight \(weight.shape) do not match with groups \(groups) (weight must be [C_in, C_out/groups, KH, KW], C_in divisible by groups)")
        precondition(outputPadding.0 >= 0 && outputPadding.1 >= 0
                        && (outputPadding.0 < stride.0 || outputPadding.0 < dilation.0)
                        && (outputPadding.1 < stride.1 || outputPadding.1 < dilation.1),
                     "convTranspose2d: outputPadding \(outputPadding) must be smaller than stride \(stride) or dilation \(dilation)")
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let oh = (shape[2] - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
        let ow = (shape[3] - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
        precondition(kh >= 1 && kw >= 1 && oh >= 1 && ow >= 1 && shape[2] >= 1 && shape[3] >= 1,
                     "convTranspose2d: input \(shape) with weight \(weight.shape), padding \(padding) gives an empty output (\(oh)×\(ow))")
        // The convolution this is the adjoint of: from [C_out, OH, OW] to [C_in, H, W].
        let geometry = ConvolutionGeometry(
            inputChannels: weight.shape[1] * groups, inputHeight: oh, inputWidth: ow,
            outputChannels: shape[1], outputHeight: shape[2], outputWidth: shape[3],
            kernelHeight: kh, kernelWidth: kw, strideHeight: stride.0, strideWidth: stride.1,
            paddingHeight: padding.0, paddingWidth: padding.1,
            dilationHeight: dilation.0, dilationWidth: dilation.1, groups: groups)
        let y = Tensor.convolutionAdjoint(self, weight, geometry)
        return Tensor.addingChannelBias(y, bias, op: "convTranspose2d")
    }

    /// The gradient with respect to the weight `W` of `<conv2d(input, W), outputGradient>`
    /// (the weight gradient of a convolution layer, a primitive in its own right so that
    /// it can be differentiated again).
    ///
    /// Shapes: `input` `[N, C, H, W]`, `outputGradient` `[N, O, OH, OW]`, result `weightShape`
    /// `[O, C / groups, KH, KW]`. `OH` and `OW` may be at most the convolution's output size;
    /// smaller sizes mean the convolution keeps only its first `OH` rows and `OW` columns
    /// (which a transposed convolution with a large `outputPadding` needs).
    ///
    /// - Parameters:
    ///   - input: The convolution's input.
    ///   - outputGradient: The gradient with respect to the convolution's output.
    ///   - weightShape: `[O, C / groups, KH, KW]`.
    ///   - stride, padding, dilation, groups: As in `conv2d`.
    public static func conv2dWeightGradient(
        input: Tensor, outputGradient: Tensor, weightShape: [Int], stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1
    ) -> Tensor {
        precondition(input.rank == 4 && outputGradient.rank == 4 && weightShape.count == 4,
                     "conv2dWeightGradient: expected input [N, C, H, W], outputGradient [N, O, OH, OW] and a 4-D weightShape, got \(input.shape), \(outputGradient.shape), \(weightShape)")
        checkConvolutionParameters("conv2dWeightGradient", stride: stride, padding: padding, dilation: dilation, groups: groups)
        let (o, kh, kw) = (weightShape[0], weightShape[2], weightShape[3])
        precondition(input.shape[0] == outputGradient.shape[0] && outputGradient.shape[1] == o
                        && o % groups == 0 && input.shape[1] % groups == 0 && weightShape[1] * groups == input.shape[1],
                     "conv2dWeightGradient: input \(input.shape), outputGradient \(outputGradient.shape) and weightShape \(weightShape) do not match with groups \(groups)")
        let naturalHeight = ConvolutionGeometry.outputSize(input: input.shape[2], kernel: kh, stride: stride.0, padding: padding.0, dilation: dilation.0)
        let naturalWidth = ConvolutionGeometry.outputSize(input: input.shape[3], kernel: kw, stride: stride.1, padding: padding.1, dilation: dilation.1)
        precondition(kh >= 1 && kw >= 1 && outputGradient.shape[2] >= 1 && outputGradient.shape[3] >= 1
                        && outputGradient.shape[2] <= naturalHeight && outputGradient.shape[3] <= naturalWidth,
                     "conv2dWeightGradient: outputGradient \(outputGradient.shape) does not fit the convolution of \(input.shape) by \(weightShape) (output \(naturalHeight)×\(naturalWidth))")
        let geometry = ConvolutionGeometry(
            inputChannels: input.shape[1], inputHeight: input.shape[2], inputWidth: input.shape[3],
            outputChannels: o, outputHeight: outputGradient.shape[2], outputWidth: outputGradient.shape[3],
            kernelHeight: kh, kernelWidth: kw, strideHeight: stride.0, strideWidth: stride.1,
            paddingHeight: padding.0, paddingWidth: padding.1,
            dilationHeight: dilation.0, dilationWidth: dilation.1, groups: groups)
        return convolutionWeightGradient(input, outputGradient, geometry)
    }

    // MARK: - Primitives

    /// `conv(x, w)`: `x` `[N, C, H, W]`, `w` `[O, C/groups, KH, KW]` → `[N, O, OH, OW]`.
    static func convolution(_ x: Tensor, _ w: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        let n = x.shape[0]
        let values = ConvolutionKernels.forward(input: x.storage, weight: w.storage, batch: n, geometry: g)
        return record("conv2d", shape: [n, g.outputChannels, g.outputHeight, g.outputWidth], storage: values,
                      inputs: [x, w]) { ctx in
            [ctx.needsGradient[0] ? convolutionAdjoint(ctx.gradient, w, g) : nil,
             ctx.needsGradient[1] ? convolutionWeightGradient(x, ctx.gradient, g) : nil]
        }
    }

    /// `activation(conv(x, w) + bias)` with no graph: the bias and activation run on each output
    /// block as the GEMM writes it.
    static func convolutionInference(
        _ x: Tensor, _ w: Tensor, bias: Tensor, activation: ConvolutionActivation,
        algorithm: ConvolutionAlgorithm = .im2col, _ g: ConvolutionGeometry
    ) -> Tensor {
        let n = x.shape[0]
        let epilogue = ConvolutionKernels.Epilogue(bias: bias.storage, relu: activation == .relu,
                                                   winograd: algorithm == .winograd)
        let values = ConvolutionKernels.forward(input: x.storage, weight: w.storage, batch: n, geometry: g, epilogue: epilogue)
        return Tensor(shape: [n, g.outputChannels, g.outputHeight, g.outputWidth], storage: values)
    }

    /// `convᵀ(y, w)`, the adjoint of `convolution` in its first argument: `y` `[N, O, OH, OW]`
    /// → `[N, C, H, W]`.
    static func convolutionAdjoint(_ y: Tensor, _ w: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        let n = y.shape[0]
        let values = ConvolutionKernels.adjoint(output: y.storage, weight: w.storage, batch: n, geometry: g)
        return record("convTranspose2d", shape: [n, g.inputChannels, g.inputHeight, g.inputWidth], storage: values,
                      inputs: [y, w]) { ctx in
            [ctx.needsGradient[0] ? convolution(ctx.gradient, w, g) : nil,
             ctx.needsGradient[1] ? convolutionWeightGradient(ctx.gradient, y, g) : nil]
        }
    }

    /// The gradient of `<conv(x, w), gy>` with respect to `w`; bilinear in `x` and `gy`.
    static func convolutionWeightGradient(_ x: Tensor, _ gy: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        let values = ConvolutionKernels.weightGradient(input: x.storage, outputGradient: gy.storage,
                                                       batch: x.shape[0], geometry: g)
        let weightShape = [g.outputChannels, g.inputChannels / g.groups, g.kernelHeight, g.kernelWidth]
        return record("conv2dWeightGradient", shape: weightShape, storage: values, inputs: [x, gy]) { ctx in
            // <G, dW(x, gy)> = <conv(x, G), gy> = <x, convᵀ(gy, G)>.
            [ctx.needsGradient[0] ? convolutionAdjoint(gy, ctx.gradient, g) : nil,
             ctx.needsGradient[1] ? convolution(x, ctx.gradient, g) : nil]
        }
    }

    // MARK: - Helpers

    static func checkConvolutionParameters(
        _ op: String, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
    ) {
        precondition(stride.0 >= 1 && stride.1 >= 1, "\(op): stride \(stride) must be at least 1")
        precondition(padding.0 >= 0 && padding.1 >= 0, "\(op): padding \(padding) must not be negative")
        precondition(dilation.0 >= 1 && dilation.1 >= 1, "\(op): dilation \(dilation) must be at least 1")
        precondition(groups >= 1, "\(op): groups \(groups) must be at least 1")
    }

    /// `y + bias` broadcast over `[N, O, OH, OW]` (composite, so it needs no rule).
    static func addingChannelBias(_ y: Tensor, _ bias: Tensor?, op: String) -> Tensor {
        guard let bias else { return y }
        precondition(bias.shape == [y.shape[1]], "\(op): bias must be [\(y.shape[1])], got \(bias.shape)")
        return y + bias.reshaped([1, y.shape[1], 1, 1])
    }
}
