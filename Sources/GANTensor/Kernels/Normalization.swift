import GANKernels

/// Batch-normalisation loops over a tensor viewed as `[N, C, S]` (S = H·W, or 1): per-channel
/// statistics in Double across rows, and the fused affine maps of the forward and backward
/// passes. Channels are split across threads. With S = 1 (BatchNorm1d) the column kernels run
/// along each row of channels instead of one call per value, with the same bits.
enum NormalizationKernels {
    /// Per-channel mean and biased variance (two passes: the mean, then centred squares), and
    /// the number of values per channel. `reduce`, when given, sums each pass's per-channel
    /// totals (and the count) across processes, so the statistics are those of every
    /// process's batch together (synchronised BatchNorm).
    static func moments(
        _ x: TensorStorage, batch: Int, channels: Int, size: Int,
        reduce: ((UnsafeMutableBufferPointer<Double>) -> Void)? = nil
    ) -> (mean: [Float], variance: [Float], count: Double) {
        let px = UnsafePointer(x.base)
        /// Per channel Σ x (mean nil) or Σ (x − mean)², into the first `channels` entries of
        /// `out`, then summed across processes.
        func accumulate(_ mean: [Float]?, into out: UnsafeMutableBufferPointer<Double>) {
            let t = out.baseAddress!
            if size == 1 {
                (mean ?? []).withUnsafeBufferPointer { pm in
                    Parallel.forEachChunk(channels, costPerItem: batch) { r in
                        let m = mean == nil ? nil : pm.baseAddress! + r.lowerBound
                        gk_col_moments(px + r.lowerBound, batch, r.count, channels, m, t + r.lowerBound)
                    }
                }
            } else {
                Parallel.forEach(channels, costPerItem: batch * size) { c in
                    var total = 0.0
                    var sum: Float = 0, squares: Float = 0
                    for n in 0..<batch {
                        gk_moments(px + (n * channels + c) * size, size, mean?[c] ?? 0, &sum, &squares)
                        total += Double(mean == nil ? sum : squares)
                    }
                    t[c] = total
                }
            }
            reduce?(out)
        }
        // [Σx per channel, count]: the count travels with the sums, so uneven batches add up.
        var totals = [Double](repeating: 0, count: channels + 1)
        totals[channels] = Double(batch * size)
        totals.withUnsafeMutableBufferPointer { accumulate(nil, into: $0) }
        let count = totals[channels]
        let mean = (0..<channels).map { Float(totals[$0] / count) }
        var centred = [Double](repeating: 0, count: channels)
        centred.withUnsafeMutableBufferPointer { accumulate(mean, into: $0) }
        return (mean, centred.map { Float($0 / count) }, count)
    }

    /// `y = (x - mean[c]) · scale[c] + shift[c]`.
    static func normalize(
        _ x: TensorStorage, batch: Int, channels: Int, size: Int, mean: [Float], scale: [Float], shift: [Float]
    ) -> TensorStorage {
        let y = TensorStorage(uninitializedCount: batch * channels * size)
        let px = UnsafePointer(x.base), py = y.base
        if size == 1 {
            mean.withUnsafeBufferPointer { pm in scale.withUnsafeBufferPointer { pa in shift.withUnsafeBufferPointer { pb in
                Parallel.forEachChunk(channels, costPerItem: batch) { r in
                    let o = r.lowerBound
                    gk_col_normalize(px + o, py + o, batch, r.count, channels, pm.baseAddress! + o,
                                     pa.baseAddress! + o, pb.baseAddress! + o)
                }
            } } }
            return y
        }
        Parallel.forEach(batch * channels, costPerItem: size) { row in
            let c = row % channels
            gk_normalize(px + row * size, py + row * size, size, mean[c], scale[c], shift[c])
        }
        return y
    }

    /// Per-channel `Σ g` and `Σ g · (x - mean[c])`.
    static func gradientSums(
        _ g: TensorStorage, _ x: TensorStorage, batch: Int, channels: Int, size: Int, mean: [Float]
    ) -> (sum: [Double], dot: [Double]) {
        var sums = [Double](repeating: 0, count: channels), dots = [Double](repeating: 0, count: channels)
        let pg = UnsafePointer(g.base), px = UnsafePointer(x.base)
        sums.withUnsafeMutableBufferPointer { ps in
            dots.withUnsafeMutableBufferPointer { pd in
                let s = ps.baseAddress!, d = pd.baseAddress!
                if size == 1 {
                    mean.withUnsafeBufferPointer { pm in
                        Parallel.forEachChunk(channels, costPerItem: 2 * batch) { r in
                            let o = r.lowerBound
                            gk_col_moments_grad(pg + o, px + o, batch, r.count, channels, pm.baseAddress! + o, s + o, d + o)
                        }
                    }
                    return
                }
                Parallel.forEach(channels, costPerItem: batch * size) { c in
                    var sum: Float = 0, dot: Float = 0
                    var totalSum = 0.0, totalDot = 0.0
                    for n in 0..<batch {
                        let at = (n * channels + c) * size
                        gk_moments_grad(pg + at, px + at, size, mean[c], &sum, &dot)
                        totalSum += Double(sum)
                        totalDot += Double(dot)
                    }
                    s[c] = totalSum
                    d[c] = totalDot
                }
            }
        }
        return (sums, dots)
    }

    /// `y = g · a[c] + (x - mean[c]) · b[c] + k[c]`.
    static func normalizeGradient(
        _ g: TensorStorage, _ x: TensorStorage, batch: Int, channels: Int, size: Int,
        mean: [Float], a: [Float], b: [Float], k: [Float]
    ) -> TensorStorage {
        let y = TensorStorage(uninitializedCount: batch * channels * size)
        let pg = UnsafePointer(g.base), px = UnsafePointer(x.base), py = y.base
        if size == 1 {
            mean.withUnsafeBufferPointer { pm in a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in k.withUnsafeBufferPointer { pk in
                    Parallel.forEachChunk(channels, costPerItem: 2 * batch) { r in
                        let o = r.lowerBound
                        gk_col_normalize_grad(pg + o, px + o, py + o, batch, r.count, channels, pm.baseAddress! + o,
                                              pa.baseAddress! + o, pb.baseAddress! + o, pk.baseAddress! + o)
                    }
                } }
            } }
            return y
        }
        Parallel.forEach(batch * channels, costPerItem: 2 * size) { row in
            let c = row % channels
            gk_normalize_grad(pg + row * size, px + row * size, py + row * size, size, mean[c], a[c], b[c], k[c])
        }
        return y
    }
}
