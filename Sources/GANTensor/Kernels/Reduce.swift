import GANKernels

/// Reductions along one axis of a tensor viewed as `[outer, length, inner]`.
public enum ReduceKernels {
    /// `out[o, i] = sum_j x[o, j, i]`.
    public static func sum(_ x: TensorStorage, outer: Int, length: Int, inner: Int) -> TensorStorage {
        let out = TensorStorage(zeros: outer * inner)
        let src = x.base, dst = out.base
        if inner == 1 {
            Parallel.forEach(outer, costPerItem: length) { o in
                dst[o] = sumContiguous(src + o * length, length)
            }
        } else if outer >= Parallel.threadCount || inner < 64 {
            Parallel.forEach(outer, costPerItem: length * inner) { o in
                let row = dst + o * inner
                for j in 0..<length {
                    gk_binary(Int32(GK_ADD), row, 1, src + (o * length + j) * inner, 1, row, inner)
                }
            }
        } else {
            Parallel.forEachChunk(inner, costPerItem: outer * length) { r in
                for o in 0..<outer {
                    let row = dst + o * inner
                    for j in 0..<length {
                        let s = src + (o * length + j) * inner
                        gk_binary(Int32(GK_ADD), row + r.lowerBound, 1, s + r.lowerBound, 1, row + r.lowerBound, r.count)
                    }
                }
            }
        }
        return out
    }

    /// The sum of `n` contiguous floats with 32 partial sums (vectorises, and is more
    /// accurate than one running sum).
    @inline(__always)
    static func sumContiguous(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= n {
            acc0 += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
            acc1 += UnsafeRawPointer(p + i + 16).loadUnaligned(as: SIMD16<Float>.self)
            i += 32
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// Maximum (or minimum) along the axis and the first index where it occurs.
    /// NaN wins, as in PyTorch.
    public static func extremum(
        _ x: TensorStorage, outer: Int, length: Int, inner: Int, largest: Bool
    ) -> (values: TensorStorage, indices: [Int]) {
        let values = TensorStorage(uninitializedCount: outer * inner)
        var indices = [Int](repeating: 0, count: outer * inner)
        let src = x.base, dst = values.base
        indices.withUnsafeMutableBufferPointer { idx in
            let ip = idx.baseAddress!
            Parallel.forEach(outer, costPerItem: length * inner) { o in
                for i in 0..<inner {
                    var best = src[o * length * inner + i]
                    var at = 0
                    if !best.isNaN {
                        for j in 1..<max(length, 1) {
                            let v = src[(o * length + j) * inner + i]
                            if v.isNaN { best = v; at = j; break }
                            if largest ? v > best : v < best { best = v; at = j }
                        }
                    }
                    dst[o * inner + i] = best
                    ip[o * inner + i] = at
                }
            }
        }
        return (values, indices)
    }
}
