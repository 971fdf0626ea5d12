// Average and max pooling over NCHW images (PyTorch semantics, `ceil_mode=False`).
//
// Average pooling is linear: a primitive and its adjoint whose rules call each other.
// Max pooling picks an argmax per window in a kernel; the values are then a gather at flat
// indices whose rule is a scatter-add whose rule is the gather again (second order works).

extension Tensor {
    /// The average of each `kernelSize` window, as PyTorch's `F.avg_pool2d` (`ceil_mode=False`).
    ///
    /// Shapes: `self` `[N, C, H, W]` → `[N, C, OH, OW]` with
    /// `OH = (H + 2 * padding.0 - kernelSize.0) / stride.0 + 1` (likewise `OW`).
    ///
    /// - Parameters:
    ///   - kernelSize: Window size (height, width), each ≥ 1.
    ///   - stride: Step between windows; `nil` means `kernelSize`.
    ///   - padding: Zeros added on both sides, at most half the kernel size.
    ///   - countIncludePad: Divide by the whole window area (`true`, PyTorch's default) or by
    ///     the number of taps inside the image.
    public func avgPool2d(
        kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
        countIncludePad: Bool = true
    ) -> Tensor {
        let g = poolingGeometry("avgPool2d", kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding)
        return Tensor.averagePool(self, g, countIncludePad ? .kernelArea : .validTaps)
    }

    /// The maximum of each `kernelSize` window, as PyTorch's `F.max_pool2d` (`ceil_mode=False`,
    /// dilation 1; padding counts as -infinity). The gradient goes to the window's first maximum.
    ///
    /// Shapes: `self` `[N, C, H, W]` → `[N, C, OH, OW]` with
    /// `OH = (H + 2 * padding.0 - kernelSize.0) / stride.0 + 1` (likewise `OW`).
    ///
    /// - Parameters:
    ///   - kernelSize: Window size (height, width), each ≥ 1.
    ///   - stride: Step between windows; `nil` means `kernelSize`.
    ///   - padding: Added on both sides, at most half the kernel size.
    public func maxPool2d(
        kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)
    ) -> Tensor {
        let g = poolingGeometry("maxPool2d", kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding)
        precondition(count < Int(Int32.max), "maxPool2d: input \(shape) has too many elements for 32-bit indices")
        let planes = shape[0] * shape[1]
        if !Tensor.recordsGraph(for: [self]) {
            // No rule will scatter a gradient: the maxima without their indices.
            let values = PoolingKernels.maxPoolValues(storage, planes: planes, geometry: g)
            return Tensor(shape: [shape[0], shape[1], g.outputHeight, g.outputWidth], storage: values)
        }
        let (values, indices) = PoolingKernels.maxPool(storage, planes: planes, geometry: g)
        return Tensor.gathered(self, values: values, indices: indices,
                               shape: [shape[0], shape[1], g.outputHeight, g.outputWidth], planes: planes)
    }

    /// 2× down-sampling by averaging each 2×2 block: `[N, C, H, W]` → `[N, C, H / 2, W / 2]`
    /// (as `F.avg_pool2d(x, 2)`; an odd last row or column is dropped).
    public func downsampled2x() -> Tensor {
        avgPool2d(kernelSize: (2, 2), stride: (2, 2))
    }

    // MARK: - Primitives

    /// Average pooling over `g`'s windows of `[N, C, H, W]`.
    static func averagePool(_ x: Tensor, _ g: PoolingGeometry, _ divisor: PoolingDivisor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let values = PoolingKernels.averagePool(x.storage, planes: n * c, geometry: g, divisor: divisor)
        return record("avgPool2d", shape: [n, c, g.outputHeight, g.outputWidth], storage: values, inputs: [x]) { ctx in
            [averagePoolAdjoint(ctx.gradient, g, divisor)]
        }
    }

    /// The adjoint of `averagePool`: `[N, C, OH, OW]` → `[N, C, H, W]`.
    static func averagePoolAdjoint(_ y: Tensor, _ g: PoolingGeometry, _ divisor: PoolingDivisor) -> Tensor {
        let (n, c) = (y.shape[0], y.shape[1])
        let values = PoolingKernels.averagePoolAdjoint(y.storage, planes: n * c, geometry: g, divisor: divisor)
        return record("avgPool2dAdjoint", shape: [n, c, g.inputHeight, g.inputWidth], storage: values, inputs: [y]) { ctx in
            [averagePool(ctx.gradient, g, divisor)]
        }
    }

    /// `x`'s elements at flat `indices` (already gathered into `values`), shaped `shape`.
    /// Each output plane (of `planes`) reads only the matching input plane.
    private static func gathered(
        _ x: Tensor, values: TensorStorage, indices: [Int32], shape: [Int], planes: Int
    ) -> Tensor {
        let inputShape = x.shape
        return record("maxPool2d", shape: shape, storage: values, inputs: [x]) { ctx in
            [scattered(ctx.gradient, indices: indices, shape: inputShape, planes: planes)]
        }
    }

    /// The adjoint of `gathered`: zeros of `shape` with `y`'s elements added at `indices`.
    private static func scattered(_ y: Tensor, indices: [Int32], shape: [Int], planes: Int) -> Tensor {
        let values = PoolingKernels.scatterAdd(y.storage, indices: indices, count: Shape.count(shape),
                                               planes: planes, perPlane: y.count / Swift.max(planes, 1))
        let outputShape = y.shape
        return record("maxPool2dAdjoint", shape: shape, storage: values, inputs: [y]) { ctx in
            let again = CopyKernels.take(ctx.gradient.storage, indices: indices)
            return [gathered(ctx.gradient, values: again, indices: indices, shape: outputShape, planes: planes)]
        }
    }

    // MARK: - Helpers

    /// Checks a pooling call on this `[N, C, H, W]` tensor and gives its geometry.
    func poolingGeometry(
        _ op: String, kernelSize k: (Int, Int), stride s: (Int, Int), padding p: (Int, Int)
    ) -> PoolingGeometry {
        precondition(rank == 4, "\(op): input must be [N, C, H, W], got \(shape)")
        precondition(k.0 >= 1 && k.1 >= 1 && s.0 >= 1 && s.1 >= 1,
                     "\(op): kernelSize \(k) and stride \(s) must be at least 1")
        precondition(p.0 >= 0 && p.1 >= 0 && 2 * p.0 <= k.0 && 2 * p.1 <= k.1,
                     "\(op): padding \(p) must be between 0 and half the kernel size \(k)")
        let oh = (shape[2] + 2 * p.0 - k.0) >= 0 ? (shape[2] + 2 * p.0 - k.0) / s.0 + 1 : 0
        let ow = (shape[3] + 2 * p.1 - k.1) >= 0 ? (shape[3] + 2 * p.1 - k.1) / s.1 + 1 : 0
        precondition(oh >= 1 && ow >= 1, "\(op): kernel \(k) with padding \(p) does not fit input \(shape)")
        return PoolingGeometry(inputHeight: shape[2], inputWidth: shape[3], outputHeight: oh, outputWidth: ow,
                               kernelHeight: k.0, kernelWidth: k.1, strideHeight: s.0, strideWidth: s.1,
                               paddingHeight: p.0, paddingWidth: p.1)
    }
}
