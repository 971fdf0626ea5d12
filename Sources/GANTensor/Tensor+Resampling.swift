// Up-sampling of NCHW images (PyTorch's F.interpolate, modes "nearest" and "bilinear").

extension Tensor {
    /// Nearest-neighbour up-sampling by an integer factor: every pixel becomes a
    /// `scale × scale` block (as `F.interpolate(x, scale_factor: scale, mode: "nearest")`).
    ///
    /// Shapes: `self` `[N, C, H, W]` → `[N, C, H * scale, W * scale]`.
    ///
    /// - Parameter scale: The factor, ≥ 1.
    public func upsampledNearest(scale: Int) -> Tensor {
        precondition(rank == 4, "upsampledNearest: input must be [N, C, H, W], got \(shape)")
        precondition(scale >= 1, "upsampledNearest: scale \(scale) must be at least 1")
        if scale == 1 { return self }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let values = PoolingKernels.upsampleNearest(storage, planes: n * c, height: h, width: w, scale: scale)
        // The adjoint sums each block: a window sum (average pool with divisor 1).
        let blocks = PoolingGeometry(inputHeight: h * scale, inputWidth: w * scale, outputHeight: h, outputWidth: w,
                                     kernelHeight: scale, kernelWidth: scale, strideHeight: scale, strideWidth: scale,
                                     paddingHeight: 0, paddingWidth: 0)
        return Tensor.record("upsampleNearest", shape: [n, c, h * scale, w * scale], storage: values, inputs: [self]) { ctx in
            [Tensor.averagePool(ctx.gradient, blocks, .fixed(1))]
        }
    }

    /// Bilinear up-sampling by an integer factor, as
    /// `F.interpolate(x, scale_factor: scale, mode: "bilinear", align_corners: alignCorners)`.
    ///
    /// Shapes: `self` `[N, C, H, W]` → `[N, C, H * scale, W * scale]`.
    ///
    /// - Parameters:
    ///   - scale: The factor, ≥ 1.
    ///   - alignCorners: Map the corner pixels of input and output onto each other (`true`),
    ///     or use pixel centres (`false`, PyTorch's default).
    public func upsampledBilinear(scale: Int, alignCorners: Bool = false) -> Tensor {
        precondition(rank == 4, "upsampledBilinear: input must be [N, C, H, W], got \(shape)")
        precondition(scale >= 1, "upsampledBilinear: scale \(scale) must be at least 1")
        return upsampledBilinear(size: (shape[2] * scale, shape[3] * scale), alignCorners: alignCorners)
    }

    /// Bilinear resampling to `size`, as
    /// `F.interpolate(x, size: size, mode: "bilinear", align_corners: alignCorners)`; also
    /// shrinks (without anti-aliasing).
    ///
    /// Shapes: `self` `[N, C, H, W]` → `[N, C, size.0, size.1]`.
    ///
    /// - Parameters:
    ///   - size: Output height and width, each ≥ 1.
    ///   - alignCorners: As in `upsampledBilinear(scale:alignCorners:)`.
    public func upsampledBilinear(size: (Int, Int), alignCorners: Bool = false) -> Tensor {
        precondition(rank == 4, "upsampledBilinear: input must be [N, C, H, W], got \(shape)")
        precondition(size.0 >= 1 && size.1 >= 1 && shape[2] >= 1 && shape[3] >= 1,
                     "upsampledBilinear: cannot resample \(shape) to \(size)")
        if size.0 == shape[2] && size.1 == shape[3] { return self }  // the identity, in both modes
        let rows = Tensor.linearTaps(input: shape[2], output: size.0, alignCorners: alignCorners)
        let columns = Tensor.linearTaps(input: shape[3], output: size.1, alignCorners: alignCorners)
        return Tensor.resampled(self, rows: rows, columns: columns)
    }

    // MARK: - Primitives

    /// Separable linear resampling of `[N, C, H, W]` to `[N, C, rows.count, columns.count]`.
    /// Linear in `x`; the rule is the adjoint, whose rule is this again.
    static func resampled(_ x: Tensor, rows: [LinearTap], columns: [LinearTap]) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let values = PoolingKernels.bilinear(x.storage, planes: n * c, height: h, width: w, rows: rows, columns: columns)
        return record("upsampleBilinear", shape: [n, c, rows.count, columns.count], storage: values, inputs: [x]) { ctx in
            [resampledAdjoint(ctx.gradient, height: h, width: w, rows: rows, columns: columns)]
        }
    }

    /// The adjoint of `resampled`: `[N, C, OH, OW]` → `[N, C, height, width]`.
    static func resampledAdjoint(_ y: Tensor, height: Int, width: Int, rows: [LinearTap], columns: [LinearTap]) -> Tensor {
        let (n, c) = (y.shape[0], y.shape[1])
        let values = PoolingKernels.bilinearAdjoint(y.storage, planes: n * c, height: height, width: width,
                                                    rows: rows, columns: columns)
        return record("upsampleBilinearAdjoint", shape: [n, c, height, width], storage: values, inputs: [y]) { ctx in
            [resampled(ctx.gradient, rows: rows, columns: columns)]
        }
    }

    /// The taps of 1-D linear resampling from `input` to `output` samples, by PyTorch's
    /// source-index rule: with `alignCorners` the corners map onto each other
    /// (`src = o * (input - 1) / (output - 1)`), otherwise pixel centres do
    /// (`src = (o + 0.5) * input / output - 0.5`, clamped at 0).
    static func linearTaps(input: Int, output: Int, alignCorners: Bool) -> [LinearTap] {
        let scale: Double
        if alignCorners {
            scale = output > 1 ? Double(input - 1) / Double(output - 1) : 0
        } else {
            scale = Double(input) / Double(output)
        }
        return (0..<output).map { o in
            let source = alignCorners ? scale * Double(o) : Swift.max(0, scale * (Double(o) + 0.5) - 0.5)
            let i0 = Swift.min(Int(source), input - 1)
            let i1 = i0 < input - 1 ? i0 + 1 : i0
            let lambda = Swift.min(source - Double(i0), 1)
            return LinearTap(first: i0, second: i1, firstWeight: Float(1 - lambda), secondWeight: Float(lambda))
        }
    }
}
