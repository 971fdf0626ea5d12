/// The per-plane shape of a 2-D pooling window: input `[H, W]`, output `[OH, OW]`.
struct PoolingGeometry: Equatable, Sendable {
    var inputHeight: Int, inputWidth: Int
    var outputHeight: Int, outputWidth: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideHeight: Int, strideWidth: Int
    var paddingHeight: Int, paddingWidth: Int

    var inputPlane: Int { inputHeight * inputWidth }
    var outputPlane: Int { outputHeight * outputWidth }
}

/// What an average pool divides each window's sum by.
enum PoolingDivisor: Equatable, Sendable {
    /// The kernel area, padding included (`count_include_pad=True`).
    case kernelArea
    /// The number of taps inside the image (`count_include_pad=False`).
    case validTaps
    /// A fixed number (PyTorch's `divisor_override`; 1 gives a window sum).
    case fixed(Float)
}

/// Pooling and resampling loops over `planes` independent `[H, W]` planes (`N * C` for NCHW),
/// split across threads by plane.
enum PoolingKernels {
    /// The window of output `(oh, ow)` clipped to the image: rows, columns, divisor.
    @inline(__always)
    private static func window(
        _ oh: Int, _ ow: Int, _ g: PoolingGeometry, _ divisor: PoolingDivisor
    ) -> (rows: Range<Int>, columns: Range<Int>, scale: Float) {
        let h0 = oh * g.strideHeight - g.paddingHeight, w0 = ow * g.strideWidth - g.paddingWidth
        let rows = Swift.max(h0, 0)..<Swift.min(h0 + g.kernelHeight, g.inputHeight)
        let columns = Swift.max(w0, 0)..<Swift.min(w0 + g.kernelWidth, g.inputWidth)
        let count: Float
        switch divisor {
        case .kernelArea:
            // Without ceil mode the window never passes the padded border.
            count = Float(g.kernelHeight * g.kernelWidth)
        case .validTaps:
            count = Float(rows.count * columns.count)
        case .fixed(let d):
            count = d
        }
        return (rows, columns, 1 / count)
    }

    /// `y[p, oh, ow] = Σ_window x[p, h, w] / divisor`.
    static func averagePool(
        _ x: TensorStorage, planes: Int, geometry g: PoolingGeometry, divisor: PoolingDivisor
    ) -> TensorStorage {
        let y = TensorStorage(uninitializedCount: planes * g.outputPlane)
        let px = x.base, py = y.base
        let W = g.inputWidth
        if g.kernelHeight == 2 && g.kernelWidth == 2 && g.strideHeight == 2 && g.strideWidth == 2
            && g.paddingHeight == 0 && g.paddingWidth == 0 && divisor != .validTaps {
            // The 2×2 down-sampling: one pass over row pairs.
            let scale: Float
            if case .fixed(let d) = divisor { scale = 1 / d } else { scale = 0.25 }
            Parallel.forEach(planes, costPerItem: g.inputPlane) { p in
                let src = px + p * g.inputPlane, dst = py + p * g.outputPlane
                for oh in 0..<g.outputHeight {
                    let r0 = src + 2 * oh * W, r1 = r0 + W, out = dst + oh * g.outputWidth
                    for ow in 0..<g.outputWidth {
                        out[ow] = (r0[2 * ow] + r0[2 * ow + 1] + r1[2 * ow] + r1[2 * ow + 1]) * scale
                    }
                }
            }
            return y
        }
        Parallel.forEach(planes, costPerItem: g.outputPlane * g.kernelHeight * g.kernelWidth) { p in
            let src = px + p * g.inputPlane, dst = py + p * g.outputPlane
            for oh in 0..<g.outputHeight {
                for ow in 0..<g.outputWidth {
                    let (rows, columns, scale) = window(oh, ow, g, divisor)
                    var s: Float = 0
                    for h in rows {
                        for w in columns { s += src[h * W + w] }
                    }
                    dst[oh * g.outputWidth + ow] = s * scale
                }
            }
        }
        return y
    }

    /// The adjoint of `averagePool`: `x[p, h, w] = Σ_{windows containing (h, w)} y[p, oh, ow] / divisor`.
    static func averagePoolAdjoint(
        _ y: TensorStorage, planes: Int, geometry g: PoolingGeometry, divisor: PoolingDivisor
    ) -> TensorStorage {
        let x = TensorStorage(zeros: planes * g.inputPlane)
        let px = x.base, py = y.base
        let W = g.inputWidth
        Parallel.forEach(planes, costPerItem: g.outputPlane * g.kernelHeight * g.kernelWidth) { p in
            let dst = px + p * g.inputPlane, src = py + p * g.outputPlane
            for oh in 0..<g.outputHeight {
                for ow in 0..<g.outputWidth {
                    let (rows, columns, scale) = window(oh, ow, g, divisor)
                    let v = src[oh * g.outputWidth + ow] * scale
                    for h in rows {
                        for w in columns { dst[h * W + w] += v }
                    }
                }
            }
        }
        return x
    }

    /// The maximum of every window (padding counts as -infinity; a NaN wins, the last one) and its flat index
    /// into `x`. A window of only -infinity points at its first tap, as PyTorch.
    static func maxPool(
        _ x: TensorStorage, planes: Int, geometry g: PoolingGeometry
    ) -> (values: TensorStorage, indices: [Int32]) {
        let count = planes * g.outputPlane
        let y = TensorStorage(uninitializedCount: count)
        let px = x.base, py = y.base
        let W = g.inputWidth
        let indices = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            let pi = buffer.baseAddress!
            Parallel.forEach(planes, costPerItem: g.outputPlane * g.kernelHeight * g.kernelWidth) { p in
                let src = px + p * g.inputPlane, base = p * g.inputPlane
                for oh in 0..<g.outputHeight {
                    for ow in 0..<g.outputWidth {
                        let (rows, columns, _) = window(oh, ow, g, .fixed(1))
                        var best = -Float.infinity
                        var at = rows.lowerBound * W + columns.lowerBound
                        for h in rows {
                            for w in columns {
                                let v = src[h * W + w]
                                if v > best || v.isNaN {
                                    best = v
                                    at = h * W + w
                                }
                            }
                        }
                        let o = p * g.outputPlane + oh * g.outputWidth + ow
                        py[o] = best
                        pi[o] = Int32(base + at)
                    }
                }
            }
            initialized = count
        }
        return (y, indices)
    }

    /// `out[i] += x[j]` for every `j` with `indices[j] == i`, into `count` zeros, where the
    /// indices of output plane `p` (`perPlane` consecutive entries) all lie in input plane
    /// `p` (`plane` floats) — so planes can be split across threads.
    static func scatterAdd(
        _ x: TensorStorage, indices: [Int32], count: Int, planes: Int, perPlane: Int
    ) -> TensorStorage {
        let out = TensorStorage(zeros: count)
        let src = x.base, dst = out.base
        indices.withUnsafeBufferPointer { idx in
            let ip = idx.baseAddress!
            Parallel.forEach(planes, costPerItem: perPlane) { p in
                for i in (p * perPlane)..<((p + 1) * perPlane) { dst[Int(ip[i])] += src[i] }
            }
        }
        return out
    }

    /// `y[p, h * s + a, w * s + b] = x[p, h, w]` for `a, b` in `0..<scale`.
    static func upsampleNearest(
        _ x: TensorStorage, planes: Int, height: Int, width: Int, scale: Int
    ) -> TensorStorage {
        let outWidth = width * scale
        let y = TensorStorage(uninitializedCount: planes * height * width * scale * scale)
        let px = x.base, py = y.base
        Parallel.forEach(planes, costPerItem: height * width * scale * scale) { p in
            let src = px + p * height * width, dst = py + p * height * width * scale * scale
            for h in 0..<height {
                let row = dst + h * scale * outWidth, s = src + h * width
                if scale == 2 {
                    for w in 0..<width { row[2 * w] = s[w]; row[2 * w + 1] = s[w] }
                } else {
                    for w in 0..<width {
                        for b in 0..<scale { row[w * scale + b] = s[w] }
                    }
                }
                for a in 1..<scale { (row + a * outWidth).update(from: row, count: outWidth) }
            }
        }
        return y
    }
}
