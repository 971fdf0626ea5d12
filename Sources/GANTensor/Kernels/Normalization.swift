import GANKernels

/// Batch-normalisation loops over a tensor viewed as `[N, C, S]` (S = H·W, or 1): per-channel
/// statistics in Double across rows, and the fused affine maps of the forward and backward
/// passes. Channels are split across threads.
enum NormalizationKernels {
    /// Per-channel mean and biased variance (two passes: the mean, then centred squares).
    static func moments(_ x: TensorStorage, batch: Int, channels: Int, size: Int) -> (mean: [Float], variance: [Float]) {
        var mean = [Float](repeating: 0, count: channels), variance = [Float](repeating: 0, count: channels)
        let px = UnsafePointer(x.base), count = Double(batch * size)
        mean.withUnsafeMutableBufferPointer { pm in
            variance.withUnsafeMutableBufferPointer { pv in
                let m = pm.baseAddress!, v = pv.baseAddress!
                Parallel.forEach(channels, costPerItem: 2 * batch * size) { c in
                    var total = 0.0
                    var sum: Float = 0, squares: Float = 0
                    for n in 0..<batch {
                        gk_moments(px + (n * channels + c) * size, size, 0, &sum, &squares)
                        total += Double(sum)
                    }
                    let mu = Float(total / count)
                    var centred = 0.0
                    for n in 0..<batch {
                        gk_moments(px + (n * channels + c) * size, size, mu, &sum, &squares)
                        centred += Double(squares)
                    }
                    m[c] = mu
                    v[c] = Float(centred / count)
                }
            }
        }
        return (mean, variance)
    }

    /// `y = (x - mean[c]) · scale[c] + shift[c]`.
    static func normalize(
        _ x: TensorStorage, batch: Int, channels: Int, size: Int, mean: [Float], scale: [Float], shift: [Float]
    ) -> TensorStorage {
        let y = TensorStorage(uninitializedCount: batch * channels * size)
        let px = UnsafePointer(x.base), py = y.base
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
        Parallel.forEach(batch * channels, costPerItem: 2 * size) { row in
            let c = row % channels
            gk_normalize_grad(pg + row * size, px + row * size, py + row * size, size, mean[c], a[c], b[c], k[c])
        }
        return y
    }
}
