/// Strided copies: permutation of axes and gathering by flat index.
public enum CopyKernels {
    /// Copies `x` (shape `shape`) into a new storage laid out with axes in `permutation` order.
    public static func permute(_ x: TensorStorage, shape: [Int], permutation: [Int]) -> TensorStorage {
        let n = x.count
        let out = TensorStorage(uninitializedCount: n)
        let inStrides = Shape.strides(shape)
        let outShape = permutation.map { shape[$0] }
        let strides = permutation.map { inStrides[$0] }
        let (dims, merged) = ElementwiseKernels.coalesce(outShape, [strides, Shape.strides(outShape)])
        let src = x.base, dst = out.base
        let inner = dims.last!, innerStride = merged[0].last!
        let outer = Array(dims.dropLast()), outerStrides = Array(merged[0].dropLast())
        let rows = n / max(inner, 1)
        Parallel.forEachChunk(rows, costPerItem: inner) { r in
            var index = [Int](repeating: 0, count: outer.count)
            var rem = r.lowerBound
            for d in stride(from: outer.count - 1, through: 0, by: -1) {
                index[d] = rem % outer[d]; rem /= outer[d]
            }
            for row in r {
                var offset = 0
                for d in 0..<outer.count { offset += index[d] * outerStrides[d] }
                let s = src + offset, o = dst + row * inner
                if innerStride == 1 {
                    o.update(from: s, count: inner)
                } else {
                    for i in 0..<inner { o[i] = s[i * innerStride] }
                }
                var d = outer.count - 1
                while d >= 0 {
                    index[d] += 1
                    if index[d] < outer[d] { break }
                    index[d] = 0; d -= 1
                }
            }
        }
        return out
    }

    /// `out[i] = x[indices[i]]`.
    public static func take(_ x: TensorStorage, indices: [Int32]) -> TensorStorage {
        let out = TensorStorage(uninitializedCount: indices.count)
        let src = x.base, dst = out.base
        indices.withUnsafeBufferPointer { idx in
            let ip = idx.baseAddress!
            Parallel.forEachChunk(idx.count) { r in
                for i in r { dst[i] = src[Int(ip[i])] }
            }
        }
        return out
    }

    /// `out = zeros(count); out[indices[i]] += x[i]` — the adjoint of `take`.
    public static func scatterAdd(_ x: TensorStorage, indices: [Int32], count: Int) -> TensorStorage {
        let out = TensorStorage(zeros: count)
        let src = x.base, dst = out.base
        indices.withUnsafeBufferPointer { idx in
            for i in 0..<idx.count { dst[Int(idx[i])] += src[i] }
        }
        return out
    }
}
