// Raw copies behind the indexing ops (Tensor+Indexing.swift): strided windows (slice,
// zero padding, flip and their adjoints), concatenation, index-select / index-add along
// one axis, and gather offsets. Every loop copies contiguous inner runs as blocks.

/// Copies that move blocks of a tensor between positions: windows, concatenation,
/// selection along an axis and their adjoints.
///
/// Tensors along one axis are viewed as `[outer, length, inner]`, where `outer` is the
/// product of the dimensions before the axis and `inner` of those after it.
public enum IndexingKernels {
    /// Copies a strided box between two buffers: for every index `i` in `extent`,
    /// `dst[dstOrigin + Σ i[d] * dstStrides[d]] = src[srcOrigin + Σ i[d] * srcStrides[d]]`.
    ///
    /// Strides may be negative (a flip). Adjacent axes whose strides chain are merged, so a
    /// window that spans whole trailing axes copies long contiguous runs. The destination
    /// positions must be distinct.
    public static func copyBox(
        from src: UnsafePointer<Float>, origin srcOrigin: Int, strides srcStrides: [Int],
        to dst: UnsafeMutablePointer<Float>, origin dstOrigin: Int, strides dstStrides: [Int],
        extent: [Int]
    ) {
        precondition(srcStrides.count == extent.count && dstStrides.count == extent.count,
                     "IndexingKernels.copyBox: strides do not match extent \(extent)")
        let total = Shape.count(extent)
        if total == 0 { return }
        let (dims, merged) = ElementwiseKernels.coalesce(extent, [srcStrides, dstStrides])
        let inner = dims.last!
        let innerSrc = merged[0].last!, innerDst = merged[1].last!
        let outer = Array(dims.dropLast())
        let outerSrc = Array(merged[0].dropLast()), outerDst = Array(merged[1].dropLast())
        let rows = total / inner
        Parallel.forEachChunk(rows, costPerItem: inner) { r in
            var index = [Int](repeating: 0, count: outer.count)
            var rem = r.lowerBound
            for d in stride(from: outer.count - 1, through: 0, by: -1) {
                index[d] = rem % outer[d]; rem /= outer[d]
            }
            var s = srcOrigin, o = dstOrigin
            for d in 0..<outer.count { s += index[d] * outerSrc[d]; o += index[d] * outerDst[d] }
            for _ in r {
                let sp = src + s, op = dst + o
                if innerSrc == 1 && innerDst == 1 {
                    op.update(from: sp, count: inner)
                } else {
                    for i in 0..<inner { op[i * innerDst] = sp[i * innerSrc] }
                }
                // Advance the odometer over the outer axes, keeping both offsets current.
                var d = outer.count - 1
                while d >= 0 {
                    index[d] += 1
                    s += outerSrc[d]; o += outerDst[d]
                    if index[d] < outer[d] { break }
                    s -= outerSrc[d] * outer[d]; o -= outerDst[d] * outer[d]
                    index[d] = 0; d -= 1
                }
            }
        }
    }

    /// The window of `x` (of shape `shape`) with `count[d]` elements along each axis `d`,
    /// starting at `start[d]` and stepping by `step[d]` (non-zero, may be negative).
    public static func window(
        _ x: TensorStorage, shape: [Int], start: [Int], step: [Int], count: [Int]
    ) -> TensorStorage {
        let out = TensorStorage(uninitializedCount: Shape.count(count))
        let strides = Shape.strides(shape)
        var origin = 0
        for d in 0..<shape.count where count[d] > 0 { origin += start[d] * strides[d] }
        copyBox(from: x.base, origin: origin, strides: zip(strides, step).map(*),
                to: out.base, origin: 0, strides: Shape.strides(count), extent: count)
        return out
    }

    /// Zeros of shape `shape` with `x` (of shape `count`) written at the window that
    /// `window(_:shape:start:step:count:)` reads: the adjoint of `window`, and zero padding.
    public static func embed(
        _ x: TensorStorage, count: [Int], into shape: [Int], start: [Int], step: [Int]
    ) -> TensorStorage {
        let out = TensorStorage(zeros: Shape.count(shape))
        let strides = Shape.strides(shape)
        var origin = 0
        for d in 0..<shape.count where count[d] > 0 { origin += start[d] * strides[d] }
        copyBox(from: x.base, origin: 0, strides: Shape.strides(count),
                to: out.base, origin: origin, strides: zip(strides, step).map(*), extent: count)
        return out
    }

    /// Copies `outer` contiguous blocks of `block` floats from `src` to `dst`, block `o` at
    /// `dst + o * stride` (a batch's channels into their slice of a wider tensor).
    public static func copyBlocks(
        _ src: UnsafePointer<Float>, block: Int, outer: Int, to dst: UnsafeMutablePointer<Float>, stride: Int
    ) {
        Parallel.forEachChunk(outer, costPerItem: block) { r in
            for o in r { (dst + o * stride).update(from: src + o * block, count: block) }
        }
    }

    /// Joins `[outer, length_p, inner]` parts along the middle axis; `blocks[p]` is
    /// `length_p * inner`, the size of one contiguous run of part `p`.
    public static func concatenate(_ parts: [TensorStorage], outer: Int, blocks: [Int]) -> TensorStorage {
        let row = blocks.reduce(0, +)
        let out = TensorStorage(uninitializedCount: outer * row)
        var offsets = [Int](repeating: 0, count: blocks.count)
        for p in 1..<max(blocks.count, 1) { offsets[p] = offsets[p - 1] + blocks[p - 1] }
        let dst = out.base
        let sources = parts.map { UnsafePointer($0.base) }
        withExtendedLifetime(parts) {
            if outer == 1 {
                Parallel.forEach(parts.count, costPerItem: row / max(parts.count, 1)) { p in
                    dst.advanced(by: offsets[p]).update(from: sources[p], count: blocks[p])
                }
            } else {
                Parallel.forEachChunk(outer, costPerItem: row) { r in
                    for o in r {
                        for p in 0..<parts.count where blocks[p] > 0 {
                            (dst + o * row + offsets[p]).update(from: sources[p] + o * blocks[p], count: blocks[p])
                        }
                    }
                }
            }
        }
        return out
    }

    /// `out[o, j, :] = x[o, indices[j], :]` for `x` of shape `[outer, length, inner]`;
    /// the result has shape `[outer, indices.count, inner]`.
    public static func select(
        _ x: TensorStorage, outer: Int, length: Int, inner: Int, indices: [Int]
    ) -> TensorStorage {
        let k = indices.count
        let out = TensorStorage(uninitializedCount: outer * k * inner)
        let src = x.base, dst = out.base
        indices.withUnsafeBufferPointer { idx in
            Parallel.forEachChunk(outer * k, costPerItem: inner) { r in
                if inner == 1 {  // selecting along the last axis: single elements
                    for row in r { dst[row] = src[(row / k) * length + idx[row % k]] }
                    return
                }
                for row in r {
                    let o = row / k, j = row % k
                    (dst + row * inner).update(from: src + (o * length + idx[j]) * inner, count: inner)
                }
            }
        }
        return out
    }

    /// A copy of `base` (shape `[outer, length, inner]`) with
    /// `out[o, indices[j], :] += source[o, j, :]`: the adjoint of `select`.
    public static func indexAdd(
        _ base: TensorStorage, source: TensorStorage, outer: Int, length: Int, inner: Int, indices: [Int]
    ) -> TensorStorage {
        let k = indices.count
        let out = TensorStorage(uninitializedCount: base.count)
        if base.count > 0 { out.base.update(from: base.base, count: base.count) }
        let src = source.base, dst = out.base
        indices.withUnsafeBufferPointer { idx in
            // Rows of one `o` may collide (repeated indices), so split across `outer` when
            // there are enough of them, else across the inner positions.
            if outer >= Parallel.threadCount || inner < 2 {
                Parallel.forEachChunk(outer, costPerItem: k * inner) { r in
                    for o in r {
                        for j in 0..<k {
                            let s = src + (o * k + j) * inner, d = dst + (o * length + idx[j]) * inner
                            for t in 0..<inner { d[t] += s[t] }
                        }
                    }
                }
            } else {
                Parallel.forEachChunk(inner, costPerItem: outer * k) { r in
                    for o in 0..<outer {
                        for j in 0..<k {
                            let s = src + (o * k + j) * inner, d = dst + (o * length + idx[j]) * inner
                            for t in r { d[t] += s[t] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The flat offsets into a tensor of shape `inputShape` that `torch.gather` reads:
    /// for each position `m` of `shape` (row-major), `m` with `m[axis]` replaced by
    /// `indices[flat(m)]`. Requires `shape[d] <= inputShape[d]` for `d != axis`.
    public static func gatherOffsets(inputShape: [Int], axis: Int, indices: [Int], shape: [Int]) -> [Int32] {
        let n = indices.count
        var offsets = [Int32](repeating: 0, count: n)
        if n == 0 { return offsets }
        let strides = Shape.strides(inputShape)
        let rank = shape.count
        var index = [Int](repeating: 0, count: rank)
        var base = 0  // Σ_{d != axis} index[d] * strides[d]
        for i in 0..<n {
            offsets[i] = Int32(base + indices[i] * strides[axis])
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                if d != axis { base += strides[d] }
                if index[d] < shape[d] { break }
                if d != axis { base -= strides[d] * shape[d] }
                index[d] = 0; d -= 1
            }
        }
        return offsets
    }

    /// A copy of `base` with `out[offsets[i]] += source[i]` (offsets may repeat).
    public static func scatterAdd(_ base: TensorStorage, source: TensorStorage, offsets: [Int32]) -> TensorStorage {
        let out = TensorStorage(uninitializedCount: base.count)
        if base.count > 0 { out.base.update(from: base.base, count: base.count) }
        let src = source.base, dst = out.base
        offsets.withUnsafeBufferPointer { idx in
            for i in 0..<idx.count { dst[Int(idx[i])] += src[i] }
        }
        return out
    }
}
