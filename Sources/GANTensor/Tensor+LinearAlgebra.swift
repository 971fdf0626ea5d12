extension Tensor {
    /// Batched `op(a) @ op(b)` on rank-3 tensors with equal batch size: the one matrix-product
    /// primitive. `a` is `[batch, m, k]` (`[batch, k, m]` when `transposeA`), `b` is
    /// `[batch, k, n]` (`[batch, n, k]` when `transposeB`); the result is `[batch, m, n]`.
    public static func batchedMatmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
    ) -> Tensor {
        precondition(a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0],
                     "batchedMatmul: expected [batch, rows, cols] operands with equal batch, got \(a.shape) and \(b.shape)")
        let batch = a.shape[0]
        let (m, k) = transposeA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
        let (kb, n) = transposeB ? (b.shape[2], b.shape[1]) : (b.shape[1], b.shape[2])
        precondition(k == kb, "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") @ \(b.shape)\(transposeB ? "ᵀ" : "")")
        let out = TensorStorage(uninitializedCount: batch * m * n)
        if k == 0 { out.base.initialize(repeating: 0, count: out.count) }
        let pa = a.storage.base, pb = b.storage.base, pc = out.base
        let lda = a.shape[2], ldb = b.shape[2]
        func one(_ i: Int, parallel: Bool) {
            GEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                          a: pa + i * m * k, lda: lda, b: pb + i * k * n, ldb: ldb,
                          c: pc + i * m * n, ldc: n, parallel: parallel)
        }
        if k > 0 {
            if batch >= Parallel.threadCount && m * n * k < 1 << 20 {
                Parallel.forEach(batch, costPerItem: 2 * m * n * k) { one($0, parallel: false) }
            } else {
                for i in 0..<batch { one(i, parallel: true) }
            }
        }
        return record("matmul", shape: [batch, m, n], storage: out, inputs: [a, b]) { ctx in
            let g = ctx.gradient
            var da: Tensor?, db: Tensor?
            switch (transposeA, transposeB) {
            case (false, false):
                if ctx.needsGradient[0] { da = batchedMatmul(g, b, transposeB: true) }
                if ctx.needsGradient[1] { db = batchedMatmul(a, g, transposeA: true) }
            case (true, false):
                if ctx.needsGradient[0] { da = batchedMatmul(b, g, transposeB: true) }
                if ctx.needsGradient[1] { db = batchedMatmul(a, g) }
            case (false, true):
                if ctx.needsGradient[0] { da = batchedMatmul(g, b) }
                if ctx.needsGradient[1] { db = batchedMatmul(g, a, transposeA: true) }
            case (true, true):
                if ctx.needsGradient[0] { da = batchedMatmul(b, g, transposeA: true, transposeB: true) }
                if ctx.needsGradient[1] { db = batchedMatmul(g, a, transposeA: true, transposeB: true) }
            }
            return [da, db]
        }
    }

    /// The matrix product with `torch.matmul` semantics: 1-D operands are vectors, and
    /// leading (batch) dimensions broadcast.
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1,
                     "matmul: operands must have at least one dimension, got \(shape) and \(other.shape)")
        let a = rank == 1 ? reshaped([1, shape[0]]) : self
        let b = other.rank == 1 ? other.reshaped([other.shape[0], 1]) : other
        let (m, k) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (kb, n) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        precondition(k == kb, "matmul: inner dimensions differ: \(shape) @ \(other.shape)")
        var result: Tensor
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        if batchB.isEmpty {
            // [..., m, k] @ [k, n]: one GEMM over all rows.
            let rows = Shape.count(batchA) * m
            result = Tensor.batchedMatmul(a.reshaped([1, rows, k]), b.reshaped([1, k, n]))
                .reshaped(batchA + [m, n])
        } else {
            let batch = Shape.broadcastOrFail(batchA, batchB, op: "matmul")
            let count = Shape.count(batch)
            let a3 = a.broadcast(to: batch + [m, k]).reshaped([count, m, k])
            let b3 = b.broadcast(to: batch + [k, n]).reshaped([count, k, n])
            result = Tensor.batchedMatmul(a3, b3).reshaped(batch + [m, n])
        }
        if rank == 1 { result = result.squeezed(axis: -2) }
        if other.rank == 1 { result = result.squeezed(axis: -1) }
        return result
    }

    /// The outer product of two vectors: `[n] ⊗ [m] -> [n, m]`.
    public func outer(_ other: Tensor) -> Tensor {
        precondition(rank == 1 && other.rank == 1, "outer: expected vectors, got \(shape) and \(other.shape)")
        return reshaped([shape[0], 1]) * other.reshaped([1, other.shape[0]])
    }
}

/// A `[out, in]` weight packed once for many inference products `x · Wᵀ` (a Linear layer's
/// weight while it samples): the same bits as `Tensor.batchedMatmul` with `transposeB`, without
/// packing the weight again on every call (13% of an MLP generator's inference).
public final class PackedWeight: @unchecked Sendable {
    /// The weight's storage when it was packed; a weight with another storage needs a new one.
    public let source: TensorStorage
    private let outputs: Int, inputs: Int
    private let packed: GEMM.PackedB

    /// Packs `weight` (`[out, in]`).
    public init(_ weight: Tensor) {
        precondition(weight.rank == 2, "PackedWeight: expected a [out, in] weight, got \(weight.shape)")
        source = weight.storage
        (outputs, inputs) = (weight.shape[0], weight.shape[1])
        packed = GEMM.PackedB(n: outputs, k: inputs, b: source.base, ldb: inputs, transposed: true)
    }

    /// `x · Wᵀ` over the last axis (`[…, in]` → `[…, out]`), recording no graph; `op` names the
    /// caller in the message for a misshapen input.
    public func product(_ x: Tensor, op: String = "PackedWeight") -> Tensor {
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == inputs,
                     "\(op): input \(x.shape) does not end in \(inputs) features (weight [\(outputs), \(inputs)])")
        let rows = x.count / Swift.max(inputs, 1)
        let out = TensorStorage(uninitializedCount: rows * outputs)
        if inputs == 0 {
            out.base.initialize(repeating: 0, count: out.count)
        } else {
            packed.multiply(m: rows, a: x.storage.base, lda: inputs, c: out.base, ldc: outputs)
        }
        withExtendedLifetime((x, source)) {}
        return Tensor(shape: Array(x.shape.dropLast()) + [outputs], storage: out)
    }
}
