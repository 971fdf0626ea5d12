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
    /// Bilinear interpolation is separable and linear: the result is `A_h · x · A_wᵀ` per plane
    /// with constant interpolation matrices, two matrix products, differentiable to any order.
    ///
    /// - Parameters:
    ///   - size: Output height and width, each ≥ 1.
    ///   - alignCorners: As in `upsampledBilinear(scale:alignCorners:)`.
    public func upsampledBilinear(size: (Int, Int), alignCorners: Bool = false) -> Tensor {
        precondition(rank == 4, "upsampledBilinear: input must be [N, C, H, W], got \(shape)")
        precondition(size.0 >= 1 && size.1 >= 1 && shape[2] >= 1 && shape[3] >= 1,
                     "upsampledBilinear: cannot resample \(shape) to \(size)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = size
        var t = self
        if ow != w {
            // Along the width: [N*C*H, W] · A_wᵀ [W, OW].
            let aw = Tensor.bilinearMatrix(input: w, output: ow, alignCorners: alignCorners)
            t = t.reshaped([n * c * h, w]).matmul(aw)
        }
        if oh != h {
            // Along the height, on the transposed planes: [N*C*OW, H] · A_hᵀ [H, OH].
            let ah = Tensor.bilinearMatrix(input: h, output: oh, alignCorners: alignCorners)
            t = t.reshaped([n * c, h, ow]).transposed(1, 2).reshaped([n * c * ow, h]).matmul(ah)
                .reshaped([n * c, ow, oh]).transposed(1, 2)
        }
        return t.reshaped([n, c, oh, ow])
    }

    /// The transposed interpolation matrix `A_ᵀ` `[input, output]` of 1-D linear resampling:
    /// output `o` reads input `i` with weight `A[o, i]` (PyTorch's source-index rule; with
    /// `alignCorners == false` the half-pixel source index is clamped at 0).
    static func bilinearMatrix(input: Int, output: Int, alignCorners: Bool) -> Tensor {
        var values = [Float](repeating: 0, count: input * output)
        let scale: Double
        if alignCorners {
            scale = output > 1 ? Double(input - 1) / Double(output - 1) : 0
        } else {
            scale = Double(input) / Double(output)
        }
        for o in 0..<output {
            let source = alignCorners ? scale * Double(o) : Swift.max(0, scale * (Double(o) + 0.5) - 0.5)
            let i0 = Swift.min(Int(source), input - 1)
            let i1 = i0 < input - 1 ? i0 + 1 : i0
            let lambda = source - Double(i0)
            values[i0 * output + o] += Float(1 - lambda)
            values[i1 * output + o] += Float(lambda)
        }
        return Tensor(values, shape: [input, output])
    }
}
