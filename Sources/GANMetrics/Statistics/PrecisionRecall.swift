import GANTensor

/// Improved precision and recall (Kynkäänniemi et al. 2019): each real feature gets a ball
/// reaching its k-th nearest other real feature; precision is the share of fake features
/// inside at least one real ball, recall the share of real features inside at least one
/// fake ball (the fake balls built the same way from the fakes).
///
/// All pairwise distances are needed, so they are screened fast and decided exactly: a
/// Float32 GEMM gives every squared distance with a proven error bound (inner products of
/// D terms are off by at most γ_D = D·2⁻²⁴/(1 − D·2⁻²⁴) of the norms' product); only pairs
/// whose comparison that bound leaves open are recomputed in Double from the stored
/// features. The answer is therefore the one exact Double distances give, at the speed of
/// the Float32 GEMM, and it does not depend on which GEMM backend runs. A point is inside a
/// ball whose radius it equals, as in the reference code (`<=`).
public enum PrecisionRecall {
    /// Precision and recall, each a share in [0, 1].
    public struct Result: Sendable, Equatable {
        /// The share of fake features inside the real manifold: sample quality.
        public let precision: Double
        /// The share of real features inside the fake manifold: coverage.
        public let recall: Double
    }

    /// Precision and recall of `fake` against `real`.
    ///
    /// - Parameters:
    ///   - neighbourhoodSize: k, the neighbour that sets each ball's radius (3 in the paper).
    ///   - batchSize: rows per distance block; memory is about `batchSize × N × 4` bytes.
    /// - Throws: `MetricsError` for different feature dimensions or a set with no more than
    ///   k samples.
    public static func compute(
        real: FeatureMatrix, fake: FeatureMatrix, neighbourhoodSize k: Int = 3, batchSize: Int = 1024
    ) throws -> Result {
        try real.requireSameDimension(as: fake)
        guard k >= 1 else { throw MetricsError("precision/recall", "expected a neighbourhood size of at least 1, got \(k)") }
        try real.requireSamples(k + 1, for: "precision/recall with k = \(k)")
        try fake.requireSamples(k + 1, for: "precision/recall with k = \(k)")
        let batch = max(1, batchSize)
        let realSet = Screened(real), fakeSet = Screened(fake)
        let realRadii = radii(realSet, k: k, batchSize: batch)
        let fakeRadii = radii(fakeSet, k: k, batchSize: batch)

        // One pass over the fake × real distances decides both shares.
        let pair = PairBound(fakeSet, realSet)
        var realCovered = [Bool](repeating: false, count: real.count)
        var fakesInside = 0
        var lo = 0
        while lo < fake.count {
            let rows = lo..<min(fake.count, lo + batch)
            let gram = fakeSet.gram(rows, realSet)
            let n = real.count
            for (r, f) in rows.enumerated() {
                var inside = false
                let fakeRadius = fakeRadii[f]
                for i in 0..<n {
                    let (estimate, error) = pair.estimate(f, i, gram[r * n + i])
                    var exact: Double?
                    if !inside {
                        if estimate + error <= realRadii[i] {
                            inside = true
                        } else if estimate - error <= realRadii[i] {
                            let d = exact ?? fake.squaredDistance(f, to: real, i)
                            exact = d
                            inside = d <= realRadii[i]
                        }
                    }
                    if !realCovered[i] {
                        if estimate + error <= fakeRadius {
                            realCovered[i] = true
                        } else if estimate - error <= fakeRadius {
                            let d = exact ?? fake.squaredDistance(f, to: real, i)
                            realCovered[i] = d <= fakeRadius
                        }
                    }
                }
                if inside { fakesInside += 1 }
            }
            lo = rows.upperBound
        }
        let covered = realCovered.reduce(0) { $0 + ($1 ? 1 : 0) }
        return Result(precision: Double(fakesInside) / Double(fake.count), recall: Double(covered) / Double(real.count))
    }

    /// The squared distance from each sample of `set` to its k-th nearest other sample.
    static func radii(_ set: Screened, k: Int, batchSize: Int) -> [Double] {
        let n = set.features.count
        let pair = PairBound(set, set)
        var radii = [Double](repeating: 0, count: n)
        var lo = 0
        while lo < n {
            let rows = lo..<min(n, lo + batchSize)
            let gram = set.gram(rows, set)
            for (r, i) in rows.enumerated() {
                // The k-th smallest upper bound caps the k-th distance; only pairs whose lower
                // bound is under that cap can be among the k nearest.
                var smallest = [Double](repeating: .infinity, count: k)
                for j in 0..<n where j != i {
                    let (estimate, error) = pair.estimate(i, j, gram[r * n + j])
                    let upper = estimate + error
                    if upper < smallest[k - 1] {
                        var p = k - 1
                        while p > 0 && smallest[p - 1] > upper {
                            smallest[p] = smallest[p - 1]
                            p -= 1
                        }
                        smallest[p] = upper
                    }
                }
                let cap = smallest[k - 1]
                var candidates: [Double] = []
                for j in 0..<n where j != i {
                    let (estimate, error) = pair.estimate(i, j, gram[r * n + j])
                    if estimate - error <= cap {
                        candidates.append(set.features.squaredDistance(i, to: set.features, j))
                    }
                }
                candidates.sort()
                radii[i] = candidates[k - 1]
            }
            lo = rows.upperBound
        }
        return radii
    }

    /// A feature set centred on its own mean and rounded to Float32 for the screening GEMMs.
    struct Screened {
        let features: FeatureMatrix
        let mean: [Double]
        let floats: [Float]       // [N, D]
        let norms: [Double]       // ‖row‖ of `floats`, in Double
        let all: Tensor           // `floats` as [1, N, D]

        init(_ features: FeatureMatrix) {
            self.features = features
            let mean = features.columnMeans(), d = features.dimension
            let floats = features.centeredFloats(shift: mean)
            self.mean = mean
            self.floats = floats
            norms = (0..<features.count).map { i in
                var s = 0.0
                for k in (i * d)..<((i + 1) * d) { s += Double(floats[k]) * Double(floats[k]) }
                return s.squareRoot()
            }
            all = Tensor(floats, shape: [1, features.count, d])
        }

        /// `[rows.count, other.count]`: inner products of rows `rows` with every row of `other`.
        func gram(_ rows: Range<Int>, _ other: Screened) -> [Float] {
            let d = features.dimension
            let block = Tensor(Array(floats[(rows.lowerBound * d)..<(rows.upperBound * d)]), shape: [1, rows.count, d])
            return Tensor.batchedMatmul(block, other.all, transposeB: true).scalars
        }
    }

    /// Squared distances between rows of two screened sets from their Float32 inner product,
    /// with a bound on the error.
    ///
    /// With x̃, ỹ the rounded centred rows and δ the difference of the centres,
    /// ‖x − y‖² = ‖x̃‖² + ‖ỹ‖² + ‖δ‖² + 2x̃·δ − 2ỹ·δ − 2x̃·ỹ up to the rounding of x̃ and ỹ
    /// (at most 2⁻²⁴ of each centred value, plus Double's rounding); x̃·ỹ from the GEMM is off
    /// by at most γ_D‖x̃‖‖ỹ‖.
    struct PairBound {
        let first: Screened, second: Screened
        let offset: Double            // ‖δ‖²
        let offsetNorm: Double        // ‖δ‖
        let firstShift: [Double]      // 2 x̃·δ
        let secondShift: [Double]     // 2 ỹ·δ
        let gamma: Double             // 2 γ_D, padded
        let rounding: Double          // the centring's rounding, padded
        let doubleRounding: Double

        init(_ first: Screened, _ second: Screened) {
            self.first = first
            self.second = second
            let d = first.features.dimension
            let delta = (0..<d).map { first.mean[$0] - second.mean[$0] }
            offset = delta.reduce(0) { $0 + $1 * $1 }
            offsetNorm = offset.squareRoot()
            func shifts(_ set: Screened) -> [Double] {
                (0..<set.features.count).map { i in
                    var s = 0.0
                    for k in 0..<d { s += Double(set.floats[i * d + k]) * delta[k] }
                    return 2 * s
                }
            }
            firstShift = offset == 0 ? [Double](repeating: 0, count: first.features.count) : shifts(first)
            secondShift = offset == 0 ? [Double](repeating: 0, count: second.features.count) : shifts(second)
            let u = 0x1p-24, du = Double(d) * u
            gamma = 1.01 * 2 * du / max(1 - du, 0x1p-10)
            rounding = 1.01 * 2.01 * u
            doubleRounding = Double(d + 16) * 0x1p-50
        }

        /// The estimate of ‖first[i] − second[j]‖² and a bound on its error.
        @inline(__always)
        func estimate(_ i: Int, _ j: Int, _ product: Float) -> (Double, Double) {
            let a = first.norms[i], b = second.norms[j]
            let value = a * a + b * b + offset + firstShift[i] - secondShift[j] - 2 * Double(product)
            let s = a + b, reach = s + offsetNorm
            return (value, gamma * a * b + rounding * s * reach + doubleRounding * reach * reach)
        }
    }
}
