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
    ///
    /// With `communicator` (synchronised BatchNorm, as PyTorch's `SyncBatchNorm`) the statistics
    /// are those of every process's batch together: the forward pass sums the per-channel
    /// totals across processes (twice: the mean, then the centred squares), and both backward
    /// paths sum `Σg` and `Σg·x̂`, so `self`'s gradient is that of the sum of all processes'
    /// losses; `weight`'s and `bias`'s stay this process's (the gradient all-reduce adds them).
    /// Every process must call it, in the same order.
    public func batchNormalized(
        weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Float = 1e-5, synchronizedBy communicator: Communicator? = nil
    ) -> (output: Tensor, mean: Tensor, variance: Tensor) {
        precondition(rank >= 2, "batchNormalized: input must be [N, C, ...], got \(shape)")
        let (n, c) = (shape[0], shape[1]), size = count / Swift.max(1, n * c)
        precondition(weight.map { $0.shape == [c] } ?? true && bias.map { $0.shape == [c] } ?? true,
                     "batchNormalized: weight and bias must be [\(c)] for input \(shape), got \(weight?.shape ?? []) and \(bias?.shape ?? [])")
        let reduce = communicator.map { comm in { (values: UnsafeMutableBufferPointer<Double>) in comm.sum(values) } }
        let (mean, variance, total) = NormalizationKernels.moments(storage, batch: n, channels: c, size: size, reduce: reduce)
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let gamma = weight?.scalars ?? [Float](repeating: 1, count: c)
        let beta = bias?.scalars ?? [Float](repeating: 0, count: c)
        let scale = (0..<c).map { inverse[$0] * gamma[$0] }
        let values = NormalizationKernels.normalize(storage, batch: n, channels: c, size: size, mean: mean,
                                                    scale: scale, shift: beta)
        let x = self, inputShape = shape
        let axes = [0] + Array(2..<rank), channelShape = [1, c] + [Int](repeating: 1, count: rank - 2)
        let m = Float(total)
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
                // Synchronised: sums over every process's batch.
                func batchSum(_ t: Tensor) -> Tensor {
                    let local = t.sum(axes: axes, keepDims: true)
                    return communicator.map { local.summed(across: $0) } ?? local
                }
                let mu = communicator == nil ? x.mean(axes: axes, keepDims: true) : batchSum(x) / m
                let variance = communicator == nil ? x.variance(axes: axes, correction: 0, keepDims: true)
                                                   : batchSum((x - mu).square()) / m
                let r = (variance + epsilon).rsqrt()
                let xhat = (x - mu) * r
                let localG = g.sum(axes: axes, keepDims: true), localGX = (g * xhat).sum(axes: axes, keepDims: true)
                let sumG = communicator.map { localG.summed(across: $0) } ?? localG
                let sumGX = communicator.map { localGX.summed(across: $0) } ?? localGX
                if wantsInput {
                    let w = weight.map { $0.reshaped(channelShape) } ?? Tensor(Float(1))
                    dx = w * r / m * (m * g - sumG - xhat * sumGX)
                }
                if wantsWeight { dw = localGX.reshaped([c]) }
                if wantsBias { db = localG.reshaped([c]) }
            } else {
                let (localG, localGC) = NormalizationKernels.gradientSums(g.storage, x.storage, batch: n, channels: c,
                                                                           size: size, mean: mean)
                let (sumG, sumGC) = communicator.map { comm in
                    let both = comm.summed(localG + localGC)  // one sum across processes for both
                    return (Array(both[..<c]), Array(both[c...]))
                } ?? (localG, localGC)
                if wantsInput {
                    // dx = w r (g - Σg / m - (x - μ) r² Σg(x - μ) / m)
                    let a = (0..<c).map { gamma[$0] * inverse[$0] }
                    let b = (0..<c).map { -a[$0] * inverse[$0] * inverse[$0] * Float(sumGC[$0] / Double(m)) }
                    let k = (0..<c).map { -a[$0] * Float(sumG[$0] / Double(m)) }
                    dx = Tensor(shape: inputShape, storage: NormalizationKernels.normalizeGradient(
                        g.storage, x.storage, batch: n, channels: c, size: size, mean: mean, a: a, b: b, k: k))
                }
                if wantsWeight { dw = Tensor((0..<c).map { Float(localGC[$0]) * inverse[$0] }, shape: [c]) }
                if wantsBias { db = Tensor(localG.map { Float($0) }, shape: [c]) }
            }
            return [dx] + (weight != nil ? [dw] : []) + (bias != nil ? [db] : [])
        }
        return (output, Tensor(mean, shape: [c]), Tensor(variance, shape: [c]))
    }
}
