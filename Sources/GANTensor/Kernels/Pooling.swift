import GANKernels

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

/// One output position of 1-D linear interpolation: `y[o] = x[first] * firstWeight +
/// x[second] * secondWeight`.
struct LinearTap: Equatable, Sendable {
    var first: Int, second: Int
    var firstWeight: Float, secondWeight: Float
}

/// Pooling and resampling loops over `planes` independent `[H, W]` planes (`N * C` for NCHW),
/// split across threads by plane.
enum PoolingKernels {
    /// Each output row's (and column's) window clipped to the image, computed once per call.
    @inline(__always)
    private static func withWindows<R>(
        _ g: PoolingGeometry,
        _ body: (_ rows: UnsafeBufferPointer<Range<Int>>, _ columns: UnsafeBufferPointer<Range<Int>>) -> R
    ) -> R {
        let rows = (0..<g.outputHeight).map { oh -> Range<Int> in
            let h0 = oh * g.strideHeight - g.paddingHeight
            return Swift.max(h0, 0)..<Swift.min(h0 + g.kernelHeight, g.inputHeight)
        }
        let columns = (0..<g.outputWidth).map { ow -> Range<Int> in
            let w0 = ow * g.strideWidth - g.paddingWidth
            return Swift.max(w0, 0)..<Swift.min(w0 + g.kernelWidth, g.inputWidth)
        }
        return rows.withUnsafeBufferPointer { r in columns.withUnsafeBufferPointer { c in body(r, c) } }
    }

    /// The factor a window's sum is multiplied by.
    @inline(__always)
    private static func scale(_ divisor: PoolingDivisor, _ g: PoolingGeometry, taps: Int) -> Float {
        switch divisor {
        // Without ceil mode the window never passes the padded border.
        case .kernelArea: return 1 / Float(g.kernelHeight * g.kernelWidth)
        case .validTaps: return 1 / Float(taps)
        case .fixed(let d): return 1 / d
        }
    }

    /// Windows that tile the image without overlap or padding (stride = kernel).
    @inline(__always)
    private static func isTiling(_ g: PoolingGeometry) -> Bool {
        g.kernelHeight == g.strideHeight && g.kernelWidth == g.strideWidth
            && g.paddingHeight == 0 && g.paddingWidth == 0
    }

    /// `y[p, oh, ow] = Σ_window x[p, h, w] / divisor`.
    static func averagePool(
        _ x: TensorStorage, planes: Int, geometry g: PoolingGeometry, divisor: PoolingDivisor
    ) -> TensorStorage {
        let y = TensorStorage(uninitializedCount: planes * g.outputPlane)
        let px = x.base, py = y.base
        let W = g.inputWidth, OW = g.outputWidth
        if g.kernelHeight == 2 && g.kernelWidth == 2 && isTiling(g) {
            // The 2×2 down-sampling: one pass over row pairs.
            let k = scale(divisor, g, taps: 4)
            Parallel.forEach(planes, costPerItem: g.inputPlane) { p in
                let src = px + p * g.inputPlane, dst = py + p * g.outputPlane
                for oh in 0..<g.outputHeight {
                    let r0 = src + 2 * oh * W, r1 = r0 + W, out = dst + oh * OW
                    for ow in 0..<OW {
                        out[ow] = (r0[2 * ow] + r0[2 * ow + 1] + r1[2 * ow] + r1[2 * ow + 1]) * k
                    }
                }
            }
            return y
        }
        // C, taps outside and output columns inside so the adds vectorise (same order, same bits).
        let (divide, fixed): (Int32, Float)
        switch divisor {
        case .kernelArea: (divide, fixed) = (Int32(GK_DIVIDE_AREA), 0)
        case .validTaps: (divide, fixed) = (Int32(GK_DIVIDE_TAPS), 0)
        case .fixed(let d): (divide, fixed) = (Int32(GK_DIVIDE_FIXED), d)
        }
        Parallel.forEachChunk(planes, costPerItem: g.outputPlane * g.kernelHeight * g.kernelWidth) { range in
            gk_avg_pool(px + range.lowerBound * g.inputPlane, range.count, g.inputHeight, g.inputWidth,
                        g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth,
                        g.paddingHeight, g.paddingWidth, g.outputHeight, g.outputWidth,
                        divide, fixed, py + range.lowerBound * g.outputPlane)
        }
        return y
    }

    /// The adjoint of `averagePool`: `x[p, h, w] = Σ_{windows containing (h, w)} y[p, oh, ow] / divisor`.
    static func averagePoolAdjoint(
        _ y: TensorStorage, planes: Int, geometry g: PoolingGeometry, divisor: PoolingDivisor
    ) -> TensorStorage {
        let px: UnsafeMutablePointer<Float>, py = y.base
        let W = g.inputWidth, OW = g.outputWidth, KH = g.kernelHeight, KW = g.kernelWidth
        if isTiling(g) {
            // Each input lies in at most one window: write every element once.
            let x = TensorStorage(uninitializedCount: planes * g.inputPlane)
            px = x.base
            let k = scale(divisor, g, taps: KH * KW)
            let coveredRows = g.outputHeight * KH, coveredColumns = OW * KW
            Parallel.forEach(planes, costPerItem: g.inputPlane) { p in
                let dst = px + p * g.inputPlane, src = py + p * g.outputPlane
                for h in 0..<g.inputHeight {
                    let row = dst + h * W
                    if h < coveredRows {
                        let s = src + (h / KH) * OW
                        if KW == 2 {
                            for ow in 0..<OW { let v = s[ow] * k; row[2 * ow] = v; row[2 * ow + 1] = v }
                        } else {
                            for ow in 0..<OW {
                                let v = s[ow] * k
                                for b in 0..<KW { row[ow * KW + b] = v }
                            }
                        }
                        (row + coveredColumns).update(repeating: 0, count: W - coveredColumns)
                    } else {
                        row.update(repeating: 0, count: W)
                    }
                }
            }
            return x
        }
        let x = TensorStorage(zeros: planes * g.inputPlane)
        px = x.base
        withWindows(g) { rows, columns in
            Parallel.forEach(planes, costPerItem: g.outputPlane * KH * KW) { p in
                let dst = px + p * g.inputPlane, src = py + p * g.outputPlane
                for oh in 0..<g.outputHeight {
                    let hs = rows[oh]
                    for ow in 0..<OW {
                        let ws = columns[ow]
                        let v = src[oh * OW + ow] * scale(divisor, g, taps: hs.count * ws.count)
                        for h in hs {
                            for w in ws { dst[h * W + w] += v }
                        }
                    }
                }
            }
        }
        return x
    }

    /// The maximum of every window (padding counts as -infinity; a NaN wins) and its flat
    /// index into `x`. A window of only -infinity points at its first tap, as PyTorch.
    static func maxPool(
        _ x: TensorStorage, planes: Int, geometry g: PoolingGeometry
    ) -> (values: TensorStorage, indices: [Int32]) {
        let count = planes * g.outputPlane
        let y = TensorStorage(uninitializedCount: count)
        let px = x.base, py = y.base
        let W = g.inputWidth, OW = g.outputWidth
        // The first largest tap of `taps` (offsets from `src`): comparisons become selects, not
        // branches (on random data a branch is a coin toss); a NaN is found by a second look.
        @inline(__always)
        func argmax(_ src: UnsafePointer<Float>, _ hs: Range<Int>, _ ws: Range<Int>) -> (Float, Int) {
            var best = -Float.infinity
            var at = hs.lowerBound * W + ws.lowerBound
            var sum: Float = 0
            for h in hs {
                for w in ws {
                    let v = src[h * W + w]
                    sum += v * 0  // NaN if any tap is NaN (or infinite: checked below)
                    let wins = v > best
                    best = wins ? v : best
                    at = wins ? h * W + w : at
                }
            }
            if sum != 0 || sum.isNaN {
                for h in hs {
                    for w in ws where src[h * W + w].isNaN { return (src[h * W + w], h * W + w) }
                }
            }
            return (best, at)
        }
        let indices = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            let pi = buffer.baseAddress!
            initialized = count
            if g.kernelHeight == 2 && g.kernelWidth == 2 && isTiling(g) {
                // 2×2 windows side by side (SAGAN's attention): eight windows per step, one
                // vector lane each, the four taps compared with selects.
                let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
                Parallel.forEach(planes, costPerItem: g.inputPlane) { p in
                    let src = px + p * g.inputPlane, base = p * g.inputPlane
                    let values = py + p * g.outputPlane, places = pi + p * g.outputPlane
                    for oh in 0..<g.outputHeight {
                        let r0 = src + 2 * oh * W, r1 = r0 + W
                        var ow = 0
                        while ow + 8 <= OW {
                            let top = UnsafeRawPointer(r0 + 2 * ow).loadUnaligned(as: SIMD16<Float>.self)
                            let bottom = UnsafeRawPointer(r1 + 2 * ow).loadUnaligned(as: SIMD16<Float>.self)
                            if any(top .!= top) || any(bottom .!= bottom) { break }  // NaN: scalar path
                            let first = lanes &+ Int32(truncatingIfNeeded: base + 2 * oh * W + 2 * ow)
                            var best = top.evenHalf, at = first
                            var wins = top.oddHalf .> best
                            best.replace(with: top.oddHalf, where: wins)
                            at.replace(with: first &+ 1, where: wins)
                            wins = bottom.evenHalf .> best
                            best.replace(with: bottom.evenHalf, where: wins)
                            at.replace(with: first &+ Int32(truncatingIfNeeded: W), where: wins)
                            wins = bottom.oddHalf .> best
                            best.replace(with: bottom.oddHalf, where: wins)
                            at.replace(with: first &+ Int32(truncatingIfNeeded: W + 1), where: wins)
                            UnsafeMutableRawPointer(values + oh * OW + ow).storeBytes(of: best, as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(places + oh * OW + ow).storeBytes(of: at, as: SIMD8<Int32>.self)
                            ow += 8
                        }
                        while ow < OW {
                            let (best, at) = argmax(src, (2 * oh)..<(2 * oh + 2), (2 * ow)..<(2 * ow + 2))
                            values[oh * OW + ow] = best
                            places[oh * OW + ow] = Int32(truncatingIfNeeded: base + at)
                            ow += 1
                        }
                    }
                }
                return
            }
            withWindows(g) { rows, columns in
                Parallel.forEach(planes, costPerItem: g.outputPlane * g.kernelHeight * g.kernelWidth) { p in
                    let src = px + p * g.inputPlane, base = p * g.inputPlane
                    let values = py + p * g.outputPlane, places = pi + p * g.outputPlane
                    for oh in 0..<g.outputHeight {
                        let hs = rows[oh]
                        for ow in 0..<OW {
                            let (best, at) = argmax(src, hs, columns[ow])
                            values[oh * OW + ow] = best
                            places[oh * OW + ow] = Int32(truncatingIfNeeded: base + at)
                        }
                    }
                }
            }
        }
        return (y, indices)
    }

    /// `y[p, oh, ow] = max_window x[p, h, w]` without the argmax indices (inference: no rule
    /// will need them), NaN propagated.
    static func maxPoolValues(_ x: TensorStorage, planes: Int, geometry g: PoolingGeometry) -> TensorStorage {
        let y = TensorStorage(uninitializedCount: planes * g.outputPlane)
        let px = x.base, py = y.base
        Parallel.forEachChunk(planes, costPerItem: g.outputPlane * g.kernelHeight * g.kernelWidth) { range in
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: g.inputHeight * g.outputWidth)
            defer { rows.deallocate() }
            gk_max_pool(px + range.lowerBound * g.inputPlane, range.count, g.inputHeight, g.inputWidth,
                        g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth,
                        g.paddingHeight, g.paddingWidth, g.outputHeight, g.outputWidth,
                        rows, py + range.lowerBound * g.outputPlane)
        }
        return y
    }

    /// `out[i] += x[j]` for every `j` with `indices[j] == i`, into `count` zeros, where the
    /// indices of output plane `p` (`perPlane` consecutive entries) all lie in input plane
    /// `p` — so planes can be split across threads.
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

    /// Separable linear resampling of `[H, W]` planes: output `(oh, ow)` interpolates rows
    /// `rows[oh]` and columns `columns[ow]`.
    static func bilinear(
        _ x: TensorStorage, planes: Int, height: Int, width: Int, rows: [LinearTap], columns: [LinearTap]
    ) -> TensorStorage {
        let OH = rows.count, OW = columns.count
        let y = TensorStorage(uninitializedCount: planes * OH * OW)
        let px = x.base, py = y.base
        rows.withUnsafeBufferPointer { rt in
            columns.withUnsafeBufferPointer { ct in
                Parallel.forEach(planes, costPerItem: 4 * OH * OW) { p in
                    let src = px + p * height * width, dst = py + p * OH * OW
                    for oh in 0..<OH {
                        let r = rt[oh]
                        let top = src + r.first * width, bottom = src + r.second * width
                        let out = dst + oh * OW
                        for ow in 0..<OW {
                            let c = ct[ow]
                            let upper = top[c.first] * c.firstWeight + top[c.second] * c.secondWeight
                            let lower = bottom[c.first] * c.firstWeight + bottom[c.second] * c.secondWeight
                            out[ow] = upper * r.firstWeight + lower * r.secondWeight
                        }
                    }
                }
            }
        }
        return y
    }

    /// The adjoint of `bilinear`: `[OH, OW]` planes back to `[H, W]`.
    static func bilinearAdjoint(
        _ y: TensorStorage, planes: Int, height: Int, width: Int, rows: [LinearTap], columns: [LinearTap]
    ) -> TensorStorage {
        let OH = rows.count, OW = columns.count
        let x = TensorStorage(zeros: planes * height * width)
        let px = x.base, py = y.base
        rows.withUnsafeBufferPointer { rt in
            columns.withUnsafeBufferPointer { ct in
                Parallel.forEach(planes, costPerItem: 4 * OH * OW) { p in
                    let dst = px + p * height * width, src = py + p * OH * OW
                    for oh in 0..<OH {
                        let r = rt[oh]
                        let top = dst + r.first * width, bottom = dst + r.second * width
                        let g = src + oh * OW
                        for ow in 0..<OW {
                            let c = ct[ow]
                            let upper = g[ow] * r.firstWeight, lower = g[ow] * r.secondWeight
                            top[c.first] += upper * c.firstWeight
                            top[c.second] += upper * c.secondWeight
                            bottom[c.first] += lower * c.firstWeight
                            bottom[c.second] += lower * c.secondWeight
                        }
                    }
                }
            }
        }
        return x
    }
}
