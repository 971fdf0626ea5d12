import GANKernels

/// Element-wise loops: maps, broadcasting binary and ternary ops.
///
/// Callers pass the per-element function as a closure; these are `@inline(__always)`
/// so every call site is specialised and the inner loops vectorise.
public enum ElementwiseKernels {
    /// `out[i] = f(x[i])`.
    @inline(__always)
    public static func map(_ x: TensorStorage, _ f: (Float) -> Float) -> TensorStorage {
        let n = x.count
        let out = TensorStorage(uninitializedCount: n)
        let src = x.base, dst = out.base
        Parallel.forEachChunk(n) { r in
            for i in r { dst[i] = f(src[i]) }
        }
        return out
    }

    /// One of the C vector-math kernels over `x`.
    public static func vectorMath(
        _ x: TensorStorage, _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> TensorStorage {
        let out = TensorStorage(uninitializedCount: x.count)
        let src = x.base, dst = out.base
        Parallel.forEachChunk(x.count, costPerItem: 4) { r in
            kernel(src + r.lowerBound, dst + r.lowerBound, r.count)
        }
        return out
    }

    /// One Adam step in a single pass (no weight decay, no AMSGrad), the same bits as the
    /// unfused operations: `m' = m + c1·(g − m)`, `v' = b2·v + (c2·g)·g`,
    /// `p' = p − step·(m' / (√v' / root2 + eps))`. All four storages hold the same count.
    /// Returns fresh `(p', m', v')`: the old moments may still be held by a saved state dict.
    public static func adam(
        parameter p: TensorStorage, gradient g: TensorStorage, exponentialAverage m: TensorStorage,
        squaredAverage v: TensorStorage, c1: Float, b2: Float, c2: Float, root2: Float, epsilon: Float, step: Float
    ) -> (parameter: TensorStorage, exponentialAverage: TensorStorage, squaredAverage: TensorStorage) {
        let n = p.count
        precondition(g.count == n && m.count == n && v.count == n, "adam: storages of different sizes")
        let pOut = TensorStorage(uninitializedCount: n), mOut = TensorStorage(uninitializedCount: n)
        let vOut = TensorStorage(uninitializedCount: n)
        let (pp, pg, pm, pv) = (p.base, g.base, m.base, v.base)
        let (op, om, ov) = (pOut.base, mOut.base, vOut.base)
        Parallel.forEachChunk(n, costPerItem: 8) { r in
            let o = r.lowerBound
            gk_adam(pp + o, pg + o, pm + o, pv + o, op + o, om + o, ov + o, r.count, c1, b2, c2, root2, epsilon, step)
        }
        return (pOut, mOut, vOut)
    }

    /// Strides of `shape` inside `outShape` under NumPy broadcasting (0 on broadcast axes).
    static func broadcastStrides(_ shape: [Int], in outShape: [Int]) -> [Int] {
        let strides = Shape.strides(shape)
        let pad = outShape.count - shape.count
        return (0..<outShape.count).map { i in
            i < pad || shape[i - pad] == 1 ? 0 : strides[i - pad]
        }
    }

    /// Merges neighbouring axes that every operand walks contiguously, so the innermost
    /// loop is as long as possible. Returns the merged shape and each operand's strides.
    static func coalesce(_ shape: [Int], _ strides: [[Int]]) -> ([Int], [[Int]]) {
        var outShape: [Int] = []
        var outStrides: [[Int]] = strides.map { _ in [] }
        for d in 0..<shape.count where shape[d] != 1 {
            if let last = outShape.last,
               strides.indices.allSatisfy({ outStrides[$0].last! == strides[$0][d] * shape[d] }) {
                outShape[outShape.count - 1] = last * shape[d]
                for k in strides.indices { outStrides[k][outStrides[k].count - 1] = strides[k][d] }
            } else {
                outShape.append(shape[d])
                for k in strides.indices { outStrides[k].append(strides[k][d]) }
            }
        }
        if outShape.isEmpty { return ([1], strides.map { _ in [0] }) }
        return (outShape, outStrides)
    }

    /// Calls `body(dst, a, aStride, b, bStride, count)` for every innermost row of the
    /// broadcast of `a` and `b` to `outShape` (rows written to a fresh `out`), strides 0 or 1
    /// after merging axes; rows are split across threads.
    @inline(__always)
    static func forEachBroadcastRow(
        _ a: Tensor, _ b: Tensor, outShape: [Int],
        _ body: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, Int) -> Void
    ) -> TensorStorage {
        let n = Shape.count(outShape)
        let out = TensorStorage(uninitializedCount: n)
        let pa = UnsafePointer(a.storage.base), pb = UnsafePointer(b.storage.base), po = out.base
        if a.shape == b.shape || (a.count == n && b.count == 1) || (a.count == 1 && b.count == n) {
            let sa = a.count == 1 && n > 1 ? 0 : 1, sb = b.count == 1 && n > 1 ? 0 : 1
            Parallel.forEachChunk(n) { r in
                body(po + r.lowerBound, pa + r.lowerBound * sa, sa, pb + r.lowerBound * sb, sb, r.count)
            }
            return out
        }
        let (shape, strides) = coalesce(
            outShape, [broadcastStrides(a.shape, in: outShape), broadcastStrides(b.shape, in: outShape)])
        let inner = shape.last!
        let sa = strides[0].last!, sb = strides[1].last!
        let rows = n / max(inner, 1)
        let outer = Array(shape.dropLast()), outerA = Array(strides[0].dropLast()), outerB = Array(strides[1].dropLast())
        Parallel.forEachChunk(rows, costPerItem: inner) { r in
            var index = [Int](repeating: 0, count: outer.count)
            var rem = r.lowerBound
            for d in stride(from: outer.count - 1, through: 0, by: -1) {
                index[d] = rem % outer[d]; rem /= outer[d]
            }
            for row in r {
                var oa = 0, ob = 0
                for d in 0..<outer.count { oa += index[d] * outerA[d]; ob += index[d] * outerB[d] }
                body(po + row * inner, pa + oa, sa, pb + ob, sb, inner)
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

    /// `out = f(a, b)` with NumPy broadcasting to `outShape`.
    @inline(__always)
    public static func zip(
        _ a: Tensor, _ b: Tensor, outShape: [Int], _ f: (Float, Float) -> Float
    ) -> TensorStorage {
        forEachBroadcastRow(a, b, outShape: outShape) { dst, xa, sa, xb, sb, count in
            for i in 0..<count { dst[i] = f(xa[i * sa], xb[i * sb]) }
        }
    }

    /// The four arithmetic operators and `first` (`a` broadcast, `b` ignored), as `gk_binary`
    /// codes.
    public enum Arithmetic: Int32, Sendable {
        case add = 0, subtract = 1, multiply = 2, divide = 3, first = 4
    }

    /// `out = a op b` with NumPy broadcasting to `outShape`, vectorised in C; the same bits
    /// as the scalar operator.
    public static func arithmetic(_ op: Arithmetic, _ a: Tensor, _ b: Tensor, outShape: [Int]) -> TensorStorage {
        let code = op.rawValue
        return forEachBroadcastRow(a, b, outShape: outShape) { dst, xa, sa, xb, sb, count in
            gk_binary(code, xa, sa, xb, sb, dst, count)
        }
    }

    /// `out = f(a, b, c)` with broadcasting; the general strided loop only.
    @inline(__always)
    public static func zip3(
        _ a: Tensor, _ b: Tensor, _ c: Tensor, outShape: [Int], _ f: (Float, Float, Float) -> Float
    ) -> TensorStorage {
        let n = Shape.count(outShape)
        let out = TensorStorage(uninitializedCount: n)
        let pa = a.storage.base, pb = b.storage.base, pc = c.storage.base, po = out.base
        if a.shape == outShape && b.shape == outShape && c.shape == outShape {
            Parallel.forEachChunk(n) { r in for i in r { po[i] = f(pa[i], pb[i], pc[i]) } }
            return out
        }
        let (shape, strides) = coalesce(outShape, [
            broadcastStrides(a.shape, in: outShape), broadcastStrides(b.shape, in: outShape),
            broadcastStrides(c.shape, in: outShape),
        ])
        let flatStrides = strides.map { Array($0) }
        Parallel.forEachChunk(n) { r in
            for i in r {
                var rem = i, oa = 0, ob = 0, oc = 0
                for d in stride(from: shape.count - 1, through: 0, by: -1) {
                    let k = rem % shape[d]; rem /= shape[d]
                    oa += k * flatStrides[0][d]; ob += k * flatStrides[1][d]; oc += k * flatStrides[2][d]
                }
                po[i] = f(pa[oa], pb[ob], pc[oc])
            }
        }
        return out
    }
}
