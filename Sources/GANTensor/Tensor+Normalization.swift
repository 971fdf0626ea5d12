// Batch normalisation with batch statistics as one primitive: two passes forward and two
// backward instead of the dozen a composition of means, variances and broadcasts records.

extension Tensor {
    /// Batch normalisation of `[N, C, ...]` over every axis but the channels, with the batch's
    /// own statistics (PyTorch's training mode): `(x - mean) / sqrt(variance + epsilon) · weight
    /// + bias`, the variance biased. Returns the result and, as constants, the per-channel batch
    /// mean and biased variance `[C]` (for running statistics).
    ///
    /// Differentiable in `self`, `weight` and `bias`; when the backward pass is itself recorded
    /// (`createGraph: true`, a gradient penalty through BatchNorm) the gradients are written in
    /// differentiable tensor ops, otherwise fused kernels compute them.
    public func batchNormalized(
        weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Float = 1e-5
    ) -> (output: Tensor, mean: Tensor, variance: Tensor) {
        precondition(rank >= 2, "batchNormalized: input must be [N, C, ...], got \(shape)")
        let (n, c) = (shape[0], shape[1]), size = count / Swift.max(1, n * c)
        precondition(weight.map { $0.shape == [c] } ?? true && bias.map { $0.shape == [c] } ?? true,
                     "batchNormalized: weight and bias must be [\(c)] for input \(shape), got \(weight?.shape ?? []) and \(bias?.shape ?? [])")
        let (mean, variance) = NormalizationKernels.moments(storage, batch: n, channels: c, size: size)
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let gamma = weight?.scalars ?? [Float](repeating: 1, count: c)
        let beta = bias?.scalars ?? [Float](repeating: 0, count: c)
        let scale = (0..<c).map { inverse[$0] * gamma[$0] }
        let values = NormalizationKernels.normalize(storage, batch: n, channels: c, size: size, mean: mean,
                                                    scale: scale, shift: beta)
        let x = self, inputShape = shape
        let axes = [0] + Array(2..<rank), channelShape = [1, c] + [Int](repeating: 1, count: rank - 2)
        let m = Float(n * size)
        var inputs = [x]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        let output = Tensor.record("batchNorm", shape: shape, storage: values, inputs: inputs) { ctx in
            let g = ctx.gradient
            let wantsInput = ctx.needsGradient[0]
            let wantsWeight = weight != nil && ctx.needsGradient[1]
            let wantsBias = bias != nil && ctx.needsGradient[weight != nil ? 2 : 1]
            var dx: Tensor?, dw: Tensor?, db: Tensor?
            if Autograd.isRecordingEnabled {
                // Recorded backward: the same formula in differentiable ops.
                let mu = x.mean(axes: axes, keepDims: true)
                let r = (x.variance(axes: axes, correction: 0, keepDims: true) + epsilon).rsqrt()
                let xhat = (x - mu) * r
                let sumG = g.sum(axes: axes, keepDims: true), sumGX = (g * xhat).sum(axes: axes, keepDims: true)
                if wantsInput {
                    let w = weight.map { $0.reshaped(channelShape) } ?? Tensor(Float(1))
                    dx = w * r / m * (m * g - sumG - xhat * sumGX)
                }
                if wantsWeight { dw = sumGX.reshaped([c]) }
                if wantsBias { db = sumG.reshaped([c]) }
            } else {
                let (sumG, sumGC) = NormalizationKernels.gradientSums(g.storage, x.storage, batch: n, channels: c,
                                                                       size: size, mean: mean)
                if wantsInput {
                    // dx = w r (g - Σg / m - (x - μ) r² Σg(x - μ) / m)
                    let a = (0..<c).map { gamma[$0] * inverse[$0] }
                    let b = (0..<c).map { -a[$0] * inverse[$0] * inverse[$0] * Float(sumGC[$0] / Double(m)) }
                    let k = (0..<c).map { -a[$0] * Float(sumG[$0] / Double(m)) }
                    dx = Tensor(shape: inputShape, storage: NormalizationKernels.normalizeGradient(
                        g.storage, x.storage, batch: n, channels: c, size: size, mean: mean, a: a, b: b, k: k))
                }
                if wantsWeight { dw = Tensor((0..<c).map { Float(sumGC[$0]) * inverse[$0] }, shape: [c]) }
                if wantsBias { db = Tensor(sumG.map { Float($0) }, shape: [c]) }
            }
            return [dx] + (weight != nil ? [dw] : []) + (bias != nil ? [db] : [])
        }
        return (output, Tensor(mean, shape: [c]), Tensor(variance, shape: [c]))
    }
}
